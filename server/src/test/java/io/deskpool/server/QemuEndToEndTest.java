package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.pool.VmState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static io.deskpool.server.QemuServerTestBed.ADMIN;
import static io.deskpool.server.QemuServerTestBed.ALPHA;
import static io.deskpool.server.QemuServerTestBed.BETA;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server end to end on real QEMU guests (the test desktop, software emulation). One server with a pool of 2 for
 * the whole class keeps the number of cold boots low.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QemuEndToEndTest {
    @TempDir
    static Path state;
    static DeskpoolServer server;
    static HttpCalls http;

    @BeforeAll
    static void start() {
        server = QemuServerTestBed.start(state, Map.of());
        http = new HttpCalls("http://127.0.0.1:" + server.port());
        QemuServerTestBed.awaitWarm(server, 1);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Exactly the calls of OSWorld's docker_server client (RemoteDockerProvider), in its order, with its timeouts. */
    @Test
    @Order(1)
    void the_osworld_docker_server_client_flow_works_unchanged() {
        // 1. Quota check before starting: GET /tokens within 10 s, the token's current < limit.
        HttpCalls.Reply tokens = http.send("GET", "/tokens", ALPHA, null, Duration.ofSeconds(10));
        assertThat(tokens.status()).isEqualTo(200);
        JsonNode mine = tokens.json().path(ALPHA);
        assertThat(mine.path("current").asInt()).isLessThan(mine.path("limit").asInt());

        // 2. POST /start_emulator with the Bearer header and {"token"}, within 30 s; 200, code 0 and data.
        HttpCalls.Reply started = http.send("POST", "/start_emulator", ALPHA, "{\"token\": \"" + ALPHA + "\"}", Duration.ofSeconds(30));
        assertThat(started.status()).isEqualTo(200);
        assertThat(started.json().path("code").asInt()).isZero();
        JsonNode data = started.json().path("data");
        String emulatorId = data.path("emulator_id").asText();

        // 3. DesktopEnv then talks to the VM at "<server ip>:<server_port>:<chromium_port>:<vnc_port>:<vlc_port>".
        GuestCalls guest = new GuestCalls("127.0.0.1", data.path("server_port").asInt());
        assertThat(guest.screenshot()).startsWith(new byte[]{(byte) 0x89, 'P', 'N', 'G'});
        assertThat(guest.execute("echo hello-from-the-guest").path("output").asText()).contains("hello-from-the-guest");
        HttpCalls cdp = new HttpCalls("http://127.0.0.1:" + data.path("chromium_port").asInt());
        assertThat(cdp.get("/json/version", null).status()).isEqualTo(200);

        // 4. Stop: DELETE /emulators/<id> within 20 s (the client falls back to POST /stop_emulator on 404/405).
        HttpCalls.Reply stopped = http.send("DELETE", "/emulators/" + emulatorId, ALPHA, null, Duration.ofSeconds(20));
        assertThat(stopped.status()).isEqualTo(200);
        assertThat(http.get("/tokens", ALPHA).json().path(ALPHA).path("current").asInt()).isZero();
    }

    @Test
    @Order(2)
    void a_released_vm_is_clean_for_the_next_client() {
        JsonNode first = http.post("/v1/leases", BETA, "{\"wait_seconds\": 240}").json();
        GuestCalls guest = new GuestCalls("127.0.0.1", first.path("endpoints").path("server_port").asInt());
        assertThat(guest.execute("touch /tmp/dirty-marker && echo written").path("output").asText()).contains("written");
        String vmId = first.path("vm_id").asText();
        assertThat(http.delete("/v1/leases/" + first.path("lease_id").asText(), BETA).status()).isEqualTo(204);
        QemuServerTestBed.eventually("the VM is warm again", () -> server.pool().vm(vmId)
                .map(v -> v.state() == VmState.WARM).orElse(false), 120);

        // Both VMs may be warm now; lease until we hold the one that was dirtied.
        JsonNode a = http.post("/v1/leases", BETA, "{\"wait_seconds\": 240}").json();
        JsonNode b = a.path("vm_id").asText().equals(vmId) ? null : http.post("/v1/leases", BETA, "{\"wait_seconds\": 240}").json();
        JsonNode again = b == null ? a : b;
        assertThat(again.path("vm_id").asText()).isEqualTo(vmId);
        GuestCalls same = new GuestCalls("127.0.0.1", again.path("endpoints").path("server_port").asInt());

        assertThat(same.execute("test -e /tmp/dirty-marker && echo still-there || echo clean").path("output").asText())
                .contains("clean");
        http.delete("/v1/leases/" + a.path("lease_id").asText(), BETA);
        if (b != null) {
            http.delete("/v1/leases/" + b.path("lease_id").asText(), BETA);
        }
    }

    @Test
    @Order(3)
    void a_token_at_its_quota_gets_429_and_bad_requests_get_clear_errors() {
        JsonNode held = http.post("/start_emulator", ALPHA, "{}").json();
        assertThat(held.path("code").asInt()).isZero();

        HttpCalls.Reply over = http.post("/start_emulator", ALPHA, "{}");
        assertThat(over.status()).isEqualTo(429);
        assertThat(over.json().path("message").asText()).contains("1/1");
        assertThat(http.post("/v1/leases", ALPHA, "{\"wait_seconds\": ").status()).isEqualTo(400);
        assertThat(http.post("/start_emulator", "not-a-token", "{}").status()).isEqualTo(403);
        assertThat(http.post("/set_token_limit", ALPHA, "{\"token\":\"" + ALPHA + "\",\"limit\":9}").status()).isEqualTo(403);
        assertThat(http.post("/remove_all_containers", BETA, "{\"dry_run\":true}").status()).isEqualTo(403);
        assertThat(http.post("/v1/leases", ALPHA, "{\"pad\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}").status()).isEqualTo(413);

        http.delete("/emulators/" + held.path("data").path("emulator_id").asText(), ALPHA);
    }

    @Test
    @Order(4)
    void admin_stop_destroys_a_vm_and_the_pool_boots_a_replacement() {
        JsonNode lease = http.post("/v1/leases", BETA, "{\"wait_seconds\": 240}").json();
        String vmId = lease.path("vm_id").asText();

        assertThat(http.delete("/v1/vms/" + vmId, ALPHA).status()).as("another token's VM is not there for ALPHA").isEqualTo(404);
        assertThat(http.delete("/v1/vms/" + vmId, ADMIN).status()).isEqualTo(202);

        QemuServerTestBed.eventually("the stopped VM is gone and a spare is warm", () -> server.pool().vm(vmId).isEmpty()
                && server.pool().status().count(VmState.WARM) >= 1, 300);
        assertThat(http.get("/metrics", null).body()).contains("deskpool_boot_seconds_count{outcome=\"succeeded\"}");
    }
}
