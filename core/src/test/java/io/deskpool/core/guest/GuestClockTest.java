package io.deskpool.core.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.deskpool.core.spi.VmEndpoints;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the clock command sends to the in-VM server's /execute (a stand-in HTTP server here; the real guest runs it
 * in QemuProviderLifecycleTest and the fork tests): a plain command as a program without a shell, one with shell
 * syntax through the shell.
 */
class GuestClockTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock AT = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);

    private HttpServer server;
    private final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    private volatile int returncode;
    private VmEndpoints guest;

    @BeforeEach
    void start_a_stand_in_for_the_in_vm_server() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/execute", ex -> {
            bodies.add(JSON.readTree(ex.getRequestBody()));
            byte[] answer = ("{\"status\": \"success\", \"output\": \"\", \"error\": \"\", \"returncode\": "
                    + returncode + "}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        server.start();
        guest = new VmEndpoints("127.0.0.1", server.getAddress().getPort(), 0, 0, 0);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void set(String template) throws IOException {
        new GuestClock(template, AT).set(guest, System.nanoTime() + 10_000_000_000L, Optional::empty);
    }

    @Test
    void a_plain_command_runs_as_a_program_with_the_epoch_filled_in() throws IOException {
        set("date -s @{epoch}");

        assertThat(bodies).hasSize(1);
        assertThat(bodies.get(0).get("shell").asBoolean()).isFalse();
        assertThat(JSON.convertValue(bodies.get(0).get("command"), List.class))
                .containsExactly("date", "-s", "@1800000000");
    }

    @Test
    void a_command_with_shell_syntax_goes_through_the_shell() throws IOException {
        set("sudo date -s @{epoch} && hwclock -w");

        assertThat(bodies.get(0).get("shell").asBoolean()).isTrue();
        assertThat(bodies.get(0).get("command").asText()).isEqualTo("sudo date -s @1800000000 && hwclock -w");
    }

    @Test
    void a_command_that_fails_in_the_guest_is_an_error_and_not_retried() {
        returncode = 1;

        assertThatThrownBy(() -> set("date -s @{epoch}")).isInstanceOf(IOException.class)
                .hasMessageContaining("failed in the guest");
        assertThat(bodies).hasSize(1);
    }

    @Test
    void an_empty_command_leaves_the_clock_alone() throws IOException {
        set("");

        assertThat(bodies).isEmpty();
    }
}
