package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.pool.VmState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two holes the watched-VMs issue was filed for, on real QEMU guests: a frozen warm VM must not be handed
 * out, and the client of a leased VM whose QEMU was killed must be told at once.
 */
class WatchedQemuVmsTest {
    @TempDir
    Path state;
    private DeskpoolServer server;
    private HttpCalls http;

    @BeforeEach
    void start() {
        server = QemuServerTestBed.start(state, Map.of("POOL_SIZE", "2", "POOL_WARM", "1", "HEALTH_INTERVAL", "600",
                "HEALTH_TIMEOUT", "3"));
        http = new HttpCalls("http://127.0.0.1:" + server.port());
        QemuServerTestBed.awaitWarm(server, 1);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static char procState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (java.io.IOException e) {
            return '?';
        }
    }

    private long qemuPid(String vmId) throws Exception {
        return Long.parseLong(Files.readString(state.resolve("qemu").resolve(vmId).resolve("qemu.pid")).strip());
    }

    @Test
    void a_frozen_warm_vm_is_not_handed_out() throws Exception {
        String frozen = server.pool().vms().stream().filter(v -> v.state() == VmState.WARM).findFirst().orElseThrow().id();
        long pid = qemuPid(frozen);
        new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
        // kill(1) returns once the signal is queued; a busy host may not have run QEMU to act on it yet.
        QemuServerTestBed.eventually("QEMU shows as stopped", () -> procState(pid) == 'T', 30);

        JsonNode lease = http.post("/v1/leases", QemuServerTestBed.BETA, "{\"wait_seconds\": 240}").json();

        assertThat(lease.path("vm_id").asText()).isNotEqualTo(frozen);
        QemuServerTestBed.eventually("the frozen VM is destroyed", () -> server.pool().vm(frozen).isEmpty()
                && ProcessHandle.of(pid).isEmpty(), 60);
    }

    @Test
    void a_leased_vm_whose_qemu_is_killed_loses_its_lease_and_the_client_is_told() throws Exception {
        JsonNode lease = http.post("/v1/leases", QemuServerTestBed.BETA, "{\"wait_seconds\": 240}").json();
        String id = lease.path("lease_id").asText();

        ProcessHandle.of(qemuPid(lease.path("vm_id").asText())).orElseThrow().destroyForcibly();

        QemuServerTestBed.eventually("the lease is lost", () -> http.get("/v1/leases/" + id, QemuServerTestBed.BETA)
                .status() == 410, 10);
        HttpCalls.Reply r = http.post("/v1/leases/" + id + "/heartbeat", QemuServerTestBed.BETA, "{}");
        assertThat(r.status()).isEqualTo(410);
        assertThat(r.json().path("error").asText()).isEqualTo("vm_lost");
        assertThat(r.json().path("details").path("reason").asText()).contains("QEMU (pid");
        QemuServerTestBed.eventually("the dead VM is out of the pool", () -> server.pool().vm(lease.path("vm_id").asText())
                .isEmpty(), 60);
    }

    @Test
    void a_session_whose_qemu_is_killed_says_vm_lost_and_its_next_step_is_a_410() throws Exception {
        JsonNode reset = http.post("/v1/sessions", QemuServerTestBed.BETA, "{\"task_config\": {\"id\": \"watched\"}, "
                + "\"wait_seconds\": 240}").json();
        String session = reset.path("session").path("session_id").asText();
        String vm = reset.path("session").path("vm").path("vm_id").asText();

        ProcessHandle.of(qemuPid(vm)).orElseThrow().destroyForcibly();

        QemuServerTestBed.eventually("the session says its VM is lost", () -> http.get("/v1/sessions/" + session,
                QemuServerTestBed.BETA).json().path("state").asText().equals("vm_lost"), 10);
        HttpCalls.Reply step = http.post("/v1/sessions/" + session + "/step", QemuServerTestBed.BETA,
                "{\"action\": \"pyautogui.click(10, 10)\"}");
        assertThat(step.status()).isEqualTo(410);
        assertThat(step.json().path("error").asText()).isEqualTo("vm_lost");
        JsonNode after = http.get("/v1/sessions/" + session, QemuServerTestBed.BETA).json();
        assertThat(after.path("state").asText()).isEqualTo("vm_lost");
        assertThat(after.path("note").asText()).contains("QEMU (pid");
    }
}
