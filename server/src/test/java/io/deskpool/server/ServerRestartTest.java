package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.provider.ProviderRegistry;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.ProviderContext;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.VmLabels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * VM records are rebuilt from the provider after a restart, even when the server was killed; a graceful stop destroys
 * them. The killed servers run as processes on a fixed PORT, with ENV_PORT=0: its default, 15001, may be held by
 * another server on the machine.
 */
class ServerRestartTest {
    @TempDir
    Path state;

    @Test
    void vms_of_a_killed_server_are_adopted_by_the_next_start_and_destroyed_by_a_graceful_stop() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> settings = QemuServerTestBed.settings(state, Map.of("PORT", String.valueOf(port),
                "ENV_PORT", "0", "POOL_SIZE", "1", "POOL_WARM", "1"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName());
        pb.environment().putAll(settings);
        pb.redirectErrorStream(true).redirectOutput(state.resolve("first-server.log").toFile());
        Process first = pb.start();
        String vmId;
        try {
            HttpCalls http = new HttpCalls("http://127.0.0.1:" + port);
            QemuServerTestBed.eventually("the first server has a warm VM (log: " + state.resolve("first-server.log") + ")",
                    () -> first.isAlive() && warmVms(http) == 1, 300);
            vmId = http.get("/v1/vms", QemuServerTestBed.ADMIN).json().get(0).path("vm_id").asText();
        } finally {
            first.destroyForcibly();
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        DeskpoolServer second = QemuServerTestBed.start(state, Map.of("POOL_SIZE", "1", "POOL_WARM", "1"));
        try {
            QemuServerTestBed.awaitWarm(second, 1);
            assertThat(second.pool().vms()).extracting(v -> v.id()).containsExactly(vmId);
            assertThat(second.pool().vm(vmId).orElseThrow().reverts()).as("adopted VMs are reverted before use").isEqualTo(1);
        } finally {
            second.close();
        }

        try (Provider provider = ProviderRegistry.load().select("qemu").create(new ProviderContext(second.serverId(),
                Settings.of(settings), state, Clock.systemUTC()))) {
            assertThat(provider.listOwned()).as("a graceful stop leaves no VM behind").isEmpty();
        }
        assertThat(Files.readString(state.resolve("server-id")).trim()).isEqualTo(second.serverId());
    }

    /**
     * The VM is booted for the client's lease (no warm spare), so it carries the client's token label; the label is
     * the keyed one, and ownership after the restart comes from the kept lease, not from the label.
     */
    @Test
    void a_client_keeps_its_leased_vm_untouched_when_the_server_is_killed_and_started_again() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> settings = QemuServerTestBed.settings(state, Map.of("PORT", String.valueOf(port),
                "ENV_PORT", "0", "POOL_SIZE", "1", "POOL_WARM", "0", "TOKENS", "alpha-restart:1"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName());
        pb.environment().putAll(settings);
        pb.redirectErrorStream(true).redirectOutput(state.resolve("first-server.log").toFile());
        Process first = pb.start();
        JsonNode lease;
        try {
            HttpCalls http = new HttpCalls("http://127.0.0.1:" + port);
            QemuServerTestBed.eventually("the first server answers (log: " + state.resolve("first-server.log") + ")",
                    () -> first.isAlive() && warmVms(http) == 0, 300);
            lease = http.post("/v1/leases", "alpha-restart", "{\"wait_seconds\": 300}").json();
            guest(lease).execute("echo still-mine > /tmp/restart-marker");
        } finally {
            first.destroyForcibly();
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        String vmJson = vmRecord(lease.path("vm_id").asText());
        DeskpoolServer second = QemuServerTestBed.start(state, Map.of("POOL_SIZE", "1", "POOL_WARM", "1",
                "TOKENS", "alpha-restart:1"));
        try {
            assertThat(vmJson).as("the VM's labels").doesNotContain("alpha-restart")
                    .contains("\"" + VmLabels.TOKEN + "\"", second.tokenRedactor().redact("alpha-restart"));
            HttpCalls http = new HttpCalls("http://127.0.0.1:" + second.port());
            String id = lease.path("lease_id").asText();
            HttpCalls.Reply beat = http.post("/v1/leases/" + id + "/heartbeat", "alpha-restart", "{}");

            assertThat(beat.status()).as(beat.body()).isEqualTo(200);
            assertThat(beat.json().path("vm_id").asText()).isEqualTo(lease.path("vm_id").asText());
            assertThat(second.pool().vm(lease.path("vm_id").asText()).orElseThrow().reverts()).isZero();
            assertThat(guest(lease).execute("cat /tmp/restart-marker").path("output").asText()).contains("still-mine");
            assertThat(http.post("/v1/leases", "alpha-restart", "{\"wait_seconds\": 0}").status())
                    .as("the kept lease counts against the token's limit").isEqualTo(429);
        } finally {
            second.close();
        }
    }

    /** The QEMU provider's record of a VM (STATE_DIR/qemu/.../vm.json), with its labels. */
    private String vmRecord(String vmId) throws java.io.IOException {
        try (var files = Files.walk(state.resolve("qemu"))) {
            Path json = files.filter(p -> p.getFileName().toString().equals("vm.json"))
                    .filter(p -> p.toString().contains(vmId)).findFirst().orElseThrow(() -> new AssertionError("no vm.json of " + vmId));
            return Files.readString(json);
        }
    }

    private static GuestCalls guest(JsonNode lease) {
        JsonNode e = lease.path("endpoints");
        return new GuestCalls(e.path("host").asText(), e.path("server_port").asInt());
    }

    private static int warmVms(HttpCalls http) {
        try {
            JsonNode pool = http.get("/v1/pool", null).json();
            return pool.path("vms").path("warm").asInt();
        } catch (AssertionError notUpYet) {
            return -1;
        }
    }
}
