package io.deskpool.server.env;

import io.deskpool.core.settings.Settings;
import io.deskpool.server.DeskpoolServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The env APIs' refusals over the in-memory test provider: every one a JSON error with a reason, and none of them
 * takes a VM. (The in-memory provider's VMs have no in-VM server; the QEMU tests cover episodes.)
 */
class EnvApiTest {
    private static final String ALPHA = "alpha-env-token";

    @TempDir
    Path state;
    private DeskpoolServer server;
    private EnvCalls http;

    private void start(Map<String, String> extra) {
        var s = new HashMap<String, String>(Map.of("PROVIDER", "memory", "STATE_DIR", state.toString(),
                "HOST", "127.0.0.1", "PORT", "0", "TOKENS", ALPHA + ":2", "POOL_SIZE", "2", "POOL_WARM", "1"));
        s.putAll(extra);
        server = DeskpoolServer.start(Settings.of(s), Clock.systemUTC());
        http = new EnvCalls("http://127.0.0.1:" + server.port());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void a_step_before_any_reset_is_a_409_saying_to_reset() {
        start(Map.of());
        EnvCalls.Reply step = http.post("/env/step", ALPHA, "{\"prediction\": \"Action: wait()\"}");

        assertThat(step.status()).isEqualTo(409);
        assertThat(step.reason()).isEqualTo("not_reset");
        assertThat(step.json().path("message").asText()).contains("reset");
    }

    @Test
    void evaluate_before_any_reset_is_a_503_that_says_to_retry_never_a_score() {
        start(Map.of());
        EnvCalls.Reply eval = http.post("/env/evaluate", ALPHA, "{}");

        assertThat(eval.status()).isEqualTo(503);
        assertThat(eval.reason()).isEqualTo("episode_not_ready");
        assertThat(eval.json().path("message").asText()).contains("retry");
        assertThat(eval.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void the_old_session_id_form_of_env_is_refused_pointing_at_v1_sessions() {
        start(Map.of());
        EnvCalls.Reply r = http.post("/env/step", ALPHA, "{\"session_id\": \"env-1\", \"action\": \"WAIT\"}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("message").asText()).contains("/v1/sessions");
    }

    @Test
    void an_unknown_session_is_a_404() {
        start(Map.of());
        EnvCalls.Reply r = http.post("/v1/sessions/env-nope/step", ALPHA, "{\"action\": \"WAIT\"}");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.reason()).isEqualTo("unknown_session");
    }

    @Test
    void an_unknown_setup_step_type_is_a_400_naming_it_and_takes_no_vm() {
        start(Map.of());
        EnvCalls.Reply v1 = http.post("/v1/sessions", ALPHA, """
                {"task_config": {"id": "t", "config": [{"type": "warp_drive", "parameters": {}}]}}""");
        EnvCalls.Reply env = http.post("/env/reset", ALPHA, """
                {"task_config": {"id": "t", "config": [{"type": "warp_drive", "parameters": {}}]}}""");

        assertThat(v1.status()).isEqualTo(400);
        assertThat(v1.json().path("message").asText()).contains("warp_drive");
        assertThat(v1.reason()).isEqualTo("unknown_setup_step");
        assertThat(v1.json().path("details").path("step_type").asText()).isEqualTo("warp_drive");
        assertThat(env.status()).isEqualTo(400);
        assertThat(server.pool().status().leases()).isZero();
        assertThat(http.get("/v1/sessions", ALPHA).json().path("sessions")).isEmpty();
    }

    @Test
    void bad_requests_are_400s_naming_the_field() {
        start(Map.of());
        EnvCalls.Reply json = http.post("/env/reset", ALPHA, "{\"task_config\": ");
        EnvCalls.Reply noTask = http.post("/env/reset", ALPHA, "{}");
        EnvCalls.Reply textTask = http.post("/env/reset", ALPHA, "{\"task_config\": \"chrome\"}");
        EnvCalls.Reply noPrediction = http.post("/env/step", ALPHA, "{\"prediction\": 42}");
        EnvCalls.Reply slot = http.post("/env/step", ALPHA, "{\"prediction\": \"x\", \"slot_id\": -1}");
        EnvCalls.Reply noise = http.post("/env/step", ALPHA, "{\"prediction\": \"x\", \"noise_probability\": \"high\"}");
        EnvCalls.Reply pathSlot = http.post("/slots/two/env/evaluate", ALPHA, "{}");
        EnvCalls.Reply mismatch = http.post("/slots/2/env/evaluate", ALPHA, "{\"slot_id\": 3}");
        EnvCalls.Reply steps = http.post("/v1/sessions", ALPHA, "{\"max_steps\": 0}");
        EnvCalls.Reply shot = http.post("/v1/sessions", ALPHA, "{\"screenshot\": \"jpeg\"}");

        assertThat(json.status()).isEqualTo(400);
        assertThat(json.json().path("message").asText()).startsWith("request body is not valid JSON");
        assertThat(noTask.json().path("message").asText()).contains("task_config");
        assertThat(textTask.json().path("message").asText()).contains("task_config");
        assertThat(noPrediction.json().path("message").asText()).contains("prediction");
        assertThat(slot.json().path("message").asText()).contains("slot_id");
        assertThat(noise.json().path("message").asText()).contains("noise_probability");
        assertThat(pathSlot.json().path("message").asText()).contains("slot");
        assertThat(mismatch.json().path("message").asText()).contains("does not match");
        assertThat(steps.json().path("message").asText()).contains("max_steps");
        assertThat(shot.json().path("message").asText()).contains("screenshot");
        assertThat(java.util.List.of(noTask, textTask, noPrediction, slot, noise, pathSlot, mismatch, steps, shot))
                .allSatisfy(r -> assertThat(r.status()).isEqualTo(400));
        assertThat(server.pool().status().leases()).isZero();
    }

    @Test
    void an_env_call_without_a_token_is_a_401_naming_both_settings() {
        start(Map.of());
        EnvCalls.Reply r = http.post("/env/reset", null, "{\"task_config\": {}}");

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().path("message").asText()).contains("ENV_ANONYMOUS_TOKEN", "ENV_ALLOW_FROM");
        assertThat(http.post("/env/reset", "stranger", "{\"task_config\": {}}").status()).isEqualTo(403);
        assertThat(http.post("/v1/sessions", null, "{}").status()).isEqualTo(401);
    }

    @Test
    void a_caller_without_a_token_from_an_allowed_address_acts_as_the_anonymous_token() {
        start(Map.of("ENV_ANONYMOUS_TOKEN", ALPHA));
        EnvCalls.Reply anonymous = http.post("/env/step", null, "{\"prediction\": \"Action: wait()\"}");
        EnvCalls.Reply v1 = http.post("/v1/sessions", null, "{}");

        assertThat(anonymous.status()).isEqualTo(409);
        assertThat(anonymous.reason()).isEqualTo("not_reset");
        assertThat(http.get("/v1/sessions", ALPHA).json().path("sessions")).hasSize(1);
        assertThat(v1.status()).as("only /env/* takes callers without a token").isEqualTo(401);
    }

    @Test
    void a_caller_without_a_token_from_an_address_not_allowed_is_a_401_naming_the_setting() {
        start(Map.of("ENV_ANONYMOUS_TOKEN", ALPHA, "ENV_ALLOW_FROM", "10.100.4.0/24"));
        EnvCalls.Reply r = http.post("/env/step", null, "{\"prediction\": \"Action: wait()\"}");

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().path("message").asText()).contains("ENV_ALLOW_FROM", "127.0.0.1");
    }

    @Test
    void an_anonymous_token_not_in_tokens_stops_the_start_without_echoing_it() {
        assertThatThrownBy(() -> start(Map.of("ENV_ANONYMOUS_TOKEN", "not-a-listed-token")))
                .hasMessageContaining("ENV_ANONYMOUS_TOKEN").hasMessageNotContaining("not-a-listed-token");
    }

    @Test
    void a_vm_that_does_not_answer_at_reset_is_a_503_with_retry_after_and_is_replaced() {
        // The in-memory provider's VMs claim 127.0.0.1:5000, where nothing answers.
        start(Map.of("ENV_READY_TIMEOUT", "1"));
        EnvCalls.Reply r = http.post("/v1/sessions", ALPHA, "{\"task_config\": {\"id\": \"t\"}}");

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(r.reason()).isEqualTo("vm_not_ready");
        assertThat(r.json().path("message").asText()).contains("GET /terminal", "replaced", "retry the reset");
        assertThat(server.pool().status().leases()).isZero();
        assertThat(http.get("/v1/sessions", ALPHA).json().path("sessions")).isEmpty();
    }

    @Test
    void a_reset_that_waits_past_env_reset_wait_is_a_503_reset_wait_expired_that_says_to_retry() {
        start(Map.of("TOKENS", ALPHA + ":1", "ENV_RESET_WAIT", "1"));
        assertThat(http.post("/v1/leases", ALPHA, "{}").status()).as("the token's one VM is leased").isBetween(200, 201);

        EnvCalls.Reply r = http.post("/env/reset", ALPHA, "{\"task_config\": {\"id\": \"t\"}}");

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.reason()).isEqualTo("reset_wait_expired");
        assertThat(r.json().path("message").asText()).contains("retry the reset");
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void a_reset_for_a_token_whose_quota_is_zero_is_a_429_no_quota() {
        start(Map.of("TOKENS", ALPHA + ":2,zero-quota-token:0"));

        EnvCalls.Reply r = http.post("/v1/sessions", "zero-quota-token", "{\"task_config\": {\"id\": \"t\"}}");

        assertThat(r.status()).isEqualTo(429);
        assertThat(r.reason()).isEqualTo("no_quota");
        assertThat(server.pool().status().leases()).isZero();
    }

    @Test
    void health_reports_the_provider_kvm_and_the_pool() {
        start(Map.of());
        var h = http.get("/health", null).ok().json();

        assertThat(h.path("status").asText()).isEqualTo("ok");
        assertThat(h.path("provider").asText()).isEqualTo("memory");
        assertThat(h.path("kvm_available").isBoolean()).isTrue();
        assertThat(h.path("pool_size").asInt()).isEqualTo(2);
        assertThat(h.path("pool").path("pool_size").asInt()).isEqualTo(2);
        assertThat(h.path("env_status").asText()).isEqualTo("not_initialized");
    }

    @Test
    void the_env_listener_serves_the_env_api_health_and_docs_but_not_the_rest() {
        start(Map.of());
        EnvCalls env = new EnvCalls("http://127.0.0.1:" + server.envPort().orElseThrow());

        assertThat(env.get("/docs", null).status()).isEqualTo(200);
        assertThat(env.get("/health", null).ok().json().path("provider").asText()).isEqualTo("memory");
        assertThat(env.post("/env/evaluate", ALPHA, "{}").status()).isEqualTo(503);
        assertThat(env.get("/v1/pool", ALPHA).status()).isEqualTo(404);
        assertThat(env.post("/v1/sessions", ALPHA, "{}").status()).isEqualTo(404);
    }

    @Test
    void the_env_listeners_docs_describe_only_what_it_serves_and_point_at_the_main_port() {
        start(Map.of());
        EnvCalls env = new EnvCalls("http://127.0.0.1:" + server.envPort().orElseThrow());

        var spec = env.get("/docs/openapi.json", null).ok().json();

        var paths = new java.util.ArrayList<String>();
        spec.path("paths").fieldNames().forEachRemaining(paths::add);
        assertThat(paths).contains("/env/reset", "/env/step", "/slots/{slot}/env/step", "/health")
                .allMatch(p -> p.startsWith("/env/") || p.startsWith("/slots/") || p.equals("/health") || p.equals("/docs"));
        assertThat(spec.path("info").path("description").asText()).contains("main port (PORT)");
        assertThat(http.get("/docs/openapi.json", null).ok().json().path("paths").has("/v1/leases")).as("main port").isTrue();
    }

    @Test
    void the_docs_describe_both_env_apis_and_not_the_old_session_form() {
        start(Map.of());
        var paths = http.get("/docs/openapi.json", null).ok().json().path("paths");

        assertThat(paths.has("/v1/sessions") && paths.has("/v1/sessions/{id}/step") && paths.has("/env/history_messages")
                && paths.has("/slots/{slot}/env/step")).isTrue();
        assertThat(paths.has("/env/close") || paths.has("/env/sessions") || paths.has("/env/screenshot")).isFalse();
    }

    @Test
    void env_port_zero_turns_the_env_listener_off() {
        start(Map.of("ENV_PORT", "0"));

        assertThat(server.envPort()).isEmpty();
    }

    @Test
    void env_port_defaults_to_15001_where_arpo_and_envs_trainers_expect_it() {
        assertThat(Settings.of(Map.of()).integer(EnvApiSettings.ENV_PORT, 0)).isEqualTo(15001);
    }

    @Test
    void a_prompt_file_without_instruction_stops_the_start_naming_the_setting_and_what_it_needs() throws Exception {
        Path prompt = java.nio.file.Files.writeString(state.resolve("prompt.txt"), "You drive a desktop. Do the task.");

        assertThatThrownBy(() -> start(Map.of("ENV_PROMPT_FILE", prompt.toString())))
                .hasMessageContaining("ENV_PROMPT_FILE").hasMessageContaining("{instruction}");
    }

    @Test
    void an_unsupported_evaluator_setting_fails_the_start_naming_it() {
        var s = new HashMap<String, String>(Map.of("PROVIDER", "memory", "STATE_DIR", state.toString(),
                "HOST", "127.0.0.1", "PORT", "0", "EXTERNAL_EVALUATOR", "python3 'unclosed"));
        assertThatThrownBy(() -> DeskpoolServer.start(Settings.of(s), Clock.systemUTC()))
                .hasMessageContaining("EXTERNAL_EVALUATOR");
    }

    @Test
    void an_action_parser_setting_naming_no_plugin_fails_the_start_naming_it() {
        assertThatThrownBy(() -> start(Map.of("ENV_ACTION_PARSER", "gpt_json")))
                .hasMessageContaining("ENV_ACTION_PARSER").hasMessageContaining("gpt_json");
    }
}
