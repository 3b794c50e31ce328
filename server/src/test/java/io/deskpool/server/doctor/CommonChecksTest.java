package io.deskpool.server.doctor;

import io.deskpool.core.doctor.CheckContext;
import io.deskpool.core.doctor.CheckResult;
import io.deskpool.core.doctor.CheckStatus;
import io.deskpool.core.settings.Settings;
import io.deskpool.server.DeskpoolServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The checks every provider shares, against this machine's real file system and sockets. */
class CommonChecksTest {
    @TempDir
    Path dir;

    private static CheckResult run(io.deskpool.core.doctor.DoctorCheck check, Map<String, String> settings) {
        return check.run(new CheckContext(Settings.of(settings), Duration.ofSeconds(5)));
    }

    @Test
    void a_writable_or_creatable_state_dir_passes() {
        assertThat(run(new StateDirCheck(), Map.of("STATE_DIR", dir.toString())).status()).isEqualTo(CheckStatus.PASS);
        CheckResult later = run(new StateDirCheck(), Map.of("STATE_DIR", dir.resolve("a/b").toString()));
        assertThat(later.status()).isEqualTo(CheckStatus.PASS);
        assertThat(later.summary()).contains("will be created");
        assertThat(dir.resolve("a")).doesNotExist();
    }

    @Test
    void a_state_dir_that_is_a_file_fails() throws IOException {
        Path file = Files.writeString(dir.resolve("state"), "x");

        CheckResult r = run(new StateDirCheck(), Map.of("STATE_DIR", file.toString()));

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.summary()).contains("is a file");
    }

    @Test
    void a_port_in_use_fails_and_says_how_to_find_who_has_it() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();

            CheckResult r = run(new ServerPortCheck(), Map.of("HOST", "127.0.0.1", "PORT", String.valueOf(port)));

            assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
            assertThat(r.summary()).contains("port " + port).contains("in use");
            assertThat(r.fix()).contains("ss -tlnp | grep :" + port);
        }
    }

    @Test
    void a_port_served_by_a_running_deskpool_is_a_warning_for_the_doctor_naming_that_server() {
        try (DeskpoolServer running = runningServer()) {
            CheckResult r = run(new ServerPortCheck(), Map.of("HOST", "0.0.0.0", "PORT", String.valueOf(running.port())));

            assertThat(r.status()).isEqualTo(CheckStatus.WARN);
            assertThat(r.summary()).contains("port " + running.port() + " (PORT)", "Deskpool server that is running",
                    "provider memory");
            assertThat(r.fix()).contains("if that is your server");
        }
    }

    @Test
    void a_port_served_by_a_running_deskpool_stops_the_start() {
        try (DeskpoolServer running = runningServer()) {
            CheckResult r = run(ServerPortCheck.atStart(), Map.of("HOST", "127.0.0.1", "PORT", String.valueOf(running.port())));

            assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
            assertThat(r.summary()).contains("in use by a Deskpool server that is running");
            assertThat(r.fix()).contains("stop that server first");
        }
    }

    private DeskpoolServer runningServer() {
        return DeskpoolServer.start(Settings.of(Map.of("PROVIDER", "memory", "STATE_DIR", dir.resolve("running").toString(),
                "HOST", "127.0.0.1", "PORT", "0", "TOKENS", "t:1", "POOL_SIZE", "1", "POOL_WARM", "0")), Clock.systemUTC());
    }

    @Test
    void a_free_loopback_port_passes_and_warns_that_only_this_machine_can_connect() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }

        CheckResult r = run(new ServerPortCheck(), Map.of("HOST", "127.0.0.1", "PORT", String.valueOf(port), "ENV_PORT", "0"));

        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.summary()).contains("only this machine can connect");
    }

    @Test
    void a_remote_env_port_in_use_fails_naming_env_port() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CheckResult r = run(new ServerPortCheck(), Map.of("HOST", "127.0.0.1", "PORT", String.valueOf(port),
                    "ENV_PORT", String.valueOf(taken.getLocalPort())));

            assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
            assertThat(r.summary()).contains("ENV_PORT", "in use");
            assertThat(r.fix()).contains("ENV_PORT");
        }
    }

    @Test
    void a_host_address_this_machine_does_not_have_fails() {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a machine; binding fails locally, nothing is sent.
        CheckResult r = run(new ServerPortCheck(), Map.of("HOST", "192.0.2.1", "PORT", "50003"));

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.summary()).contains("not an address of this machine");
    }

    @Test
    void required_tokens_without_any_configured_warn_and_never_show_token_names() {
        CheckResult none = run(new ClientTokensCheck(), Map.of("STATE_DIR", dir.toString(), "REQUIRE_TOKEN", "true"));
        CheckResult some = run(new ClientTokensCheck(), Map.of("STATE_DIR", dir.toString(), "REQUIRE_TOKEN", "true",
                "TOKENS", "secret-alpha:24,secret-beta:4"));

        assertThat(none.status()).isEqualTo(CheckStatus.WARN);
        assertThat(none.fix()).contains("TOKENS=");
        assertThat(some.status()).isEqualTo(CheckStatus.PASS);
        assertThat(some.summary()).contains("2 token(s)").doesNotContain("secret");
    }

    @Test
    void tokens_set_at_run_time_count_as_configured() throws IOException {
        Files.writeString(dir.resolve(ClientTokensCheck.TOKEN_LIMITS_FILE), "{\"gamma\": 3}");

        CheckResult r = run(new ClientTokensCheck(), Map.of("STATE_DIR", dir.toString()));

        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.summary()).contains("1 set at run time");
    }
}
