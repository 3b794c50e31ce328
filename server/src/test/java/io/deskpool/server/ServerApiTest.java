package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.pool.VmState;
import io.deskpool.core.settings.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP API over the in-memory test provider: shapes, auth, quotas and bad input, without booting VMs. */
class ServerApiTest {
    private static final String ALPHA = "alpha-secret-token";
    private static final String BETA = "beta-secret-token";
    private static final String ADMIN = "admin-secret-token";

    @TempDir
    Path state;
    private DeskpoolServer server;
    private HttpCalls http;

    private void start(Map<String, String> extra) {
        var s = new HashMap<String, String>(Map.of(
                "PROVIDER", "memory", "STATE_DIR", state.toString(), "HOST", "127.0.0.1", "PORT", "0",
                "TOKENS", ALPHA + ":2," + BETA + ":1", "ADMIN_TOKEN", ADMIN, "POOL_SIZE", "4", "POOL_WARM", "2",
                "START_WAIT", "5"));
        s.putAll(extra);
        server = DeskpoolServer.start(Settings.of(s), Clock.systemUTC());
        http = new HttpCalls("http://127.0.0.1:" + server.port());
    }

    private void start() {
        start(Map.of());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void ping_answers_like_the_docker_server() {
        start();
        assertThat(http.get("/ping", null).json().path("message").asText()).isEqualTo("Hello, World!");
    }

    @Test
    void start_emulator_hands_out_a_vm_in_the_docker_server_shape() {
        start();
        HttpCalls.Reply r = http.post("/start_emulator", ALPHA, "{\"token\":\"" + ALPHA + "\"}");

        assertThat(r.status()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.path("code").asInt()).isZero();
        assertThat(body.path("message").asText()).isEqualTo("Emulator started successfully");
        JsonNode data = body.path("data");
        assertThat(data.path("emulator_id").asText()).startsWith("lease-");
        assertThat(data.path("server_port").asInt()).isEqualTo(5000);
        assertThat(data.path("chromium_port").asInt()).isEqualTo(9222);
        assertThat(data.path("vnc_port").asInt()).isEqualTo(8006);
        assertThat(data.path("vlc_port").asInt()).isEqualTo(8080);
        assertThat(data.path("token").asText()).isEqualTo(ALPHA);
    }

    @Test
    void start_emulator_refuses_a_missing_unknown_or_over_quota_token() {
        start();
        HttpCalls.Reply missing = http.get("/start_emulator", null);
        HttpCalls.Reply unknown = http.post("/start_emulator", "nobody", "{}");
        http.post("/start_emulator", BETA, "{}");
        HttpCalls.Reply overQuota = http.post("/start_emulator", BETA, "{}");

        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.json().path("code").asInt()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(403);
        assertThat(unknown.json().path("message").asText()).isEqualTo("unknown token");
        assertThat(overQuota.status()).isEqualTo(429);
        assertThat(overQuota.json().path("error").asText()).isEqualTo("quota_exceeded");
        assertThat(overQuota.json().path("message").asText()).contains("1/1");
    }

    @Test
    void the_token_may_come_from_the_json_body_or_the_query() {
        start();
        assertThat(http.post("/start_emulator", null, "{\"token\":\"" + ALPHA + "\"}").status()).isEqualTo(200);
        assertThat(http.get("/start_emulator?token=" + ALPHA, null).status()).isEqualTo(200);
    }

    @Test
    void malformed_json_is_a_400_saying_so() {
        start();
        HttpCalls.Reply r = http.post("/v1/leases", ALPHA, "{\"wait_seconds\": ");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("error").asText()).isEqualTo("invalid_argument");
        assertThat(r.json().path("message").asText()).startsWith("request body is not valid JSON");
        assertThat(server.pool().status().leases()).isZero();
    }

    @Test
    void an_oversized_body_is_refused_with_413() {
        start(Map.of("MAX_BODY_BYTES", "2048"));
        HttpCalls.Reply r = http.post("/stop_emulator", ALPHA, "{\"emulator_id\":\"" + "x".repeat(10_000) + "\"}");

        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().path("error").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void stopping_needs_the_owner_and_gives_the_vm_back_to_the_pool() {
        start();
        String id = http.post("/start_emulator", ALPHA, "{}").json().path("data").path("emulator_id").asText();

        assertThat(http.post("/stop_emulator", BETA, "{\"emulator_id\":\"" + id + "\"}").status()).isEqualTo(403);
        assertThat(http.post("/stop_emulator", ALPHA, "{}").status()).isEqualTo(400);
        assertThat(http.delete("/emulators/lease-nope", ALPHA).status()).isEqualTo(404);
        HttpCalls.Reply ok = http.delete("/emulators/" + id, ALPHA);

        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().path("message").asText()).isEqualTo("Emulator stopped successfully");
        assertThat(server.pool().lease(id)).isEmpty();
        assertThat(http.get("/emulator_status/" + id, null).status()).isEqualTo(404);
    }

    @Test
    void admin_actions_need_the_admin_token() {
        start();
        String body = "{\"token\":\"" + ALPHA + "\",\"limit\":5}";
        assertThat(http.post("/set_token_limit", null, body).status()).isEqualTo(401);
        assertThat(http.post("/set_token_limit", ALPHA, body).status()).isEqualTo(403);
        assertThat(http.post("/remove_all_containers", ALPHA, "{}").status()).isEqualTo(403);
        assertThat(http.put("/v1/tokens/newcomer", BETA, "{\"limit\":1}").status()).isEqualTo(403);
        assertThat(http.post("/set_token_limit", ADMIN, "{\"token\":\"x\",\"limit\":-1}").status()).isEqualTo(400);
        assertThat(http.post("/set_token_limit", ADMIN, "{\"token\":\"x\",\"limit\":\"many\"}").status()).isEqualTo(400);

        assertThat(http.post("/set_token_limit", ADMIN, body).status()).isEqualTo(200);
        assertThat(server.pool().quotas().limit(ALPHA)).isEqualTo(5);
    }

    @Test
    void limits_set_at_run_time_survive_a_restart() {
        start();
        http.post("/set_token_limit", ADMIN, "{\"token\":\"" + ALPHA + "\",\"limit\":7}");
        http.put("/v1/tokens/newcomer", ADMIN, "{\"limit\":3}");
        server.close();

        start();

        assertThat(server.pool().quotas().limit(ALPHA)).isEqualTo(7);
        assertThat(server.pool().quotas().limit("newcomer")).isEqualTo(3);
        assertThat(http.post("/start_emulator", "newcomer", "{}").status()).isEqualTo(200);
    }

    @Test
    void tokens_show_the_callers_own_in_clear_and_others_redacted() {
        start();
        http.post("/start_emulator", ALPHA, "{}");

        JsonNode mine = http.get("/tokens", ALPHA).json();
        JsonNode anonymous = http.get("/tokens", null).json();
        JsonNode admin = http.get("/tokens", ADMIN).json();

        assertThat(mine.path(ALPHA).path("current").asInt()).isEqualTo(1);
        assertThat(mine.path(ALPHA).path("limit").asInt()).isEqualTo(2);
        assertThat(mine.has(BETA)).isFalse();
        assertThat(mine.has(server.tokenRedactor().redact(BETA))).isTrue();
        assertThat(anonymous.toString()).doesNotContain(ALPHA, BETA);
        assertThat(admin.has(ALPHA) && admin.has(BETA)).isTrue();
    }

    @Test
    void tokens_never_appear_in_clear_in_request_logs_or_server_logs() throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            start();
            String id = http.post("/start_emulator", ALPHA, "{\"token\":\"" + ALPHA + "\"}").json().path("data").path("emulator_id").asText();
            http.get("/emulators_by_token?token=" + BETA, null);
            http.post("/set_token_limit", ADMIN, "{\"token\":\"" + BETA + "\",\"limit\":2}");
            http.post("/start_emulator", "wrong-" + ALPHA, "{}");
            http.delete("/emulators/" + id, ALPHA);
        } finally {
            System.setErr(original);
        }
        String label = server.tokenRedactor().redact(ALPHA);
        server.close();
        String requestLogs = http == null ? "" : Files.readString(state.resolve("logs/requests.jsonl"));
        String serverLog = captured.toString();

        assertThat(requestLogs).contains("/start_emulator", label, "admin");
        for (String secret : new String[]{ALPHA, BETA, ADMIN}) {
            assertThat(requestLogs).doesNotContain(secret);
            assertThat(serverLog).doesNotContain(secret);
        }
        server = null;
    }

    @Test
    void the_v1_lease_flow_acquires_heartbeats_and_releases() {
        start();
        HttpCalls.Reply acquired = http.post("/v1/leases", ALPHA, "{\"wait_seconds\": 5}");
        assertThat(acquired.status()).isEqualTo(201);
        String id = acquired.json().path("lease_id").asText();
        assertThat(acquired.json().path("endpoints").path("server_port").asInt()).isEqualTo(5000);

        HttpCalls.Reply beat = http.post("/v1/leases/" + id + "/heartbeat", ALPHA, null);
        assertThat(beat.status()).isEqualTo(200);
        assertThat(beat.json().path("expires_at").asText()).isGreaterThanOrEqualTo(acquired.json().path("expires_at").asText());
        assertThat(http.get("/v1/leases", ALPHA).json()).hasSize(1);
        assertThat(http.get("/v1/leases", BETA).json()).isEmpty();
        assertThat(http.delete("/v1/leases/" + id, BETA).status()).isEqualTo(403);

        assertThat(http.delete("/v1/leases/" + id, ALPHA).status()).isEqualTo(204);
        HttpCalls.Reply gone = http.delete("/v1/leases/" + id, ALPHA);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().path("error").asText()).isEqualTo("unknown_lease");
    }

    @Test
    void a_lease_marked_broken_loses_its_vm_and_the_pool_replaces_it() throws Exception {
        start();
        JsonNode lease = http.post("/v1/leases", ALPHA, "{}").json();

        HttpCalls.Reply r = http.post("/v1/leases/" + lease.path("lease_id").asText() + "/broken", ALPHA, "{\"reason\":\"frozen\"}");

        assertThat(r.status()).isEqualTo(202);
        for (int i = 0; i < 200 && server.pool().vm(lease.path("vm_id").asText()).isPresent(); i++) {
            Thread.sleep(20);
        }
        assertThat(server.pool().vm(lease.path("vm_id").asText())).isEmpty();
    }

    @Test
    void bad_lease_requests_get_json_errors() {
        start();
        assertThat(http.post("/v1/leases", ALPHA, "{\"wait_seconds\": -1}").json().path("message").asText())
                .contains("wait_seconds");
        assertThat(http.post("/v1/leases", ALPHA, "{\"wait_seconds\": 100000}").status()).isEqualTo(400);
        assertThat(http.post("/v1/leases", ALPHA, "[1,2]").status()).isEqualTo(400);
        HttpCalls.Reply unknownRoute = http.get("/v1/nothing-here", ALPHA);
        assertThat(unknownRoute.status()).isEqualTo(404);
        assertThat(unknownRoute.json().path("error").asText()).isEqualTo("not_found");
    }

    @Test
    void status_emulators_and_request_logs_answer_in_the_docker_server_shapes() {
        start();
        String id = http.post("/start_emulator", ALPHA, "{}").json().path("data").path("emulator_id").asText();

        JsonNode status = http.get("/status", null).json();
        assertThat(status.path("total_emulators").asInt()).isEqualTo(1);
        assertThat(status.has("uptime_seconds") && status.has("cpu_percent") && status.has("memory_percent")).isTrue();
        assertThat(status.path("tokens")).hasSize(2);
        JsonNode emulators = http.get("/emulators", ALPHA).json();
        assertThat(emulators).hasSize(1);
        assertThat(emulators.get(0).path("emulator_id").asText()).isEqualTo(id);
        assertThat(emulators.get(0).path("token").asText()).isEqualTo(ALPHA);
        assertThat(http.get("/emulators_by_token?token=" + ALPHA, null).json().get(0).asText()).isEqualTo(id);
        assertThat(http.get("/emulators_by_token", null).status()).isEqualTo(400);
        assertThat(http.get("/emulator_status/" + id, ALPHA).json().path("status").asText()).isEqualTo("running");
        assertThat(http.get("/emulator_resources/" + id, ALPHA).json().path("resources").has("cpu_percent")).isTrue();
        assertThat(http.get("/request_logs?limit=2", ADMIN).json()).hasSize(2);
        assertThat(http.get("/request_logs?limit=x", ADMIN).status()).isEqualTo(400);
    }

    @Test
    void remove_all_containers_destroys_vms_for_the_admin_and_dry_run_changes_nothing() throws Exception {
        start();
        while (server.pool().status().count(VmState.WARM) < 2) {
            Thread.sleep(10);
        }
        JsonNode dry = http.post("/remove_all_containers", ADMIN, "{\"dry_run\": true}").json();
        assertThat(dry.path("removed_count").asInt()).isEqualTo(2);
        assertThat(server.pool().status().total()).isEqualTo(2);

        JsonNode real = http.post("/remove_all_containers", ADMIN, "{}").json();

        assertThat(real.path("removed_count").asInt()).isEqualTo(2);
        assertThat(real.path("dry_run").asBoolean()).isFalse();
    }

    @Test
    void metrics_docs_and_dashboard_are_served() {
        start();
        http.post("/start_emulator", ALPHA, "{}");
        http.post("/start_emulator", BETA, "{}");
        http.post("/start_emulator", BETA, "{}");

        String metrics = http.get("/metrics", null).body();
        assertThat(metrics).contains("deskpool_leases_granted_total 2.0", "deskpool_vms{state=\"leased\"} 2.0",
                "deskpool_quota_rejections_total{token=\"" + server.tokenRedactor().redact(BETA) + "\"} 1.0", "deskpool_boot_seconds_bucket");
        assertThat(metrics).doesNotContain(BETA);
        JsonNode spec = http.get("/docs/openapi.json", null).json();
        assertThat(spec.path("paths").has("/start_emulator") && spec.path("paths").has("/v1/leases")).isTrue();
        assertThat(http.get("/docs", null).body()).contains("swagger-ui-bundle.js");
        assertThat(http.get(ApiDocs.SWAGGER_UI + "/swagger-ui-bundle.js", null).status()).isEqualTo(200);
        assertThat(http.get("/dashboard", null).body()).contains("<title>Deskpool dashboard</title>");
        assertThat(http.get("/v1/overview", ADMIN).json().path("vms")).hasSizeGreaterThanOrEqualTo(2);
    }
}
