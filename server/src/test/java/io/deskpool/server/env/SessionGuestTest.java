package io.deskpool.server.env;

import io.deskpool.env.EnvJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.deskpool.core.settings.Settings;
import io.deskpool.server.DeskpoolServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deskpool's session API, /v1/sessions, against real VMs: the QEMU provider booting the test desktop guest (PATH_TO_VM empty), two VMs
 * for the whole class. Fails, not skips, when QEMU or the guest cannot run here. Files the tasks download are
 * served from a loopback HTTP server in this test, which ENV_DOWNLOAD_ALLOW opens.
 */
class SessionGuestTest {
    private static final String ALPHA = "alpha-env-guest";
    private static final String BETA = "beta-env-guest";
    private static final String GOLD = "the gold file\n";

    private static Path state;
    private static DeskpoolServer server;
    private static EnvCalls http;
    private static HttpServer files;
    private static String filesBase;
    private final List<String[]> opened = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        state = Files.createTempDirectory("deskpool-env-guest-");
        files = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        files.createContext("/gold.txt", ex -> {
            byte[] b = GOLD.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        files.start();
        filesBase = "http://127.0.0.1:" + files.getAddress().getPort();
        var s = new HashMap<String, String>();
        s.putAll(Map.of("PROVIDER", "qemu", "STATE_DIR", state.toString(), "HOST", "127.0.0.1", "PORT", "0",
                "TOKENS", ALPHA + ":2," + BETA + ":2", "POOL_SIZE", "2", "POOL_WARM", "2", "VM_READY_TIMEOUT", "180",
                "ENV_STEP_PAUSE", "0", "ENV_ACQUIRE_WAIT", "600"));
        s.putAll(Map.of("EXTERNAL_EVALUATOR", "sh " + io.deskpool.env.ExternalEvaluatorScript.copyTo(state.resolve("evaluator")),
                "ENV_CACHE_DIR", state.resolve("cache").toString(),
                // The test's file server is on loopback, which downloads may reach only when named.
                "ENV_DOWNLOAD_ALLOW", "127.0.0.1"));
        guestImage().ifPresent(qcow2 -> s.put("PATH_TO_VM", qcow2));
        server = DeskpoolServer.start(Settings.of(s), Clock.systemUTC());
        http = new EnvCalls("http://127.0.0.1:" + server.port());
    }

    /** The test guest scripts/test.sh built for the whole run; without it the provider builds it itself. */
    static java.util.Optional<String> guestImage() {
        return java.util.Optional.ofNullable(System.getenv("TEST_GUEST_QCOW2")).filter(v -> !v.isBlank());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (files != null) {
            files.stop(0);
        }
        deleteTree(state);
    }

    static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a temp dir: best effort
        }
    }

    @AfterEach
    void closeSessions() {
        for (String[] s : opened) {
            http.send("DELETE", "/v1/sessions/" + s[0], s[1], null);
        }
    }

    /** POST /v1/sessions: a new session reset to the task; its id is at session.session_id. */
    private JsonNode reset(String token, String body) {
        JsonNode r = http.post("/v1/sessions", token, body).created().json();
        opened.add(new String[]{id(r), token});
        return r;
    }

    private static String id(JsonNode r) {
        return r.path("session").path("session_id").asText();
    }

    private static String vm(JsonNode r) {
        return r.path("session").path("vm").path("vm_id").asText();
    }

    private static EnvCalls.Reply step(String token, String session, String action) {
        return http.post("/v1/sessions/" + session + "/step", token, "{\"action\": " + EnvJson.MAPPER.valueToTree(action) + "}");
    }

    private static JsonNode evaluate(String token, String session) {
        return http.post("/v1/sessions/" + session + "/evaluate", token, "{}").ok().json();
    }

    /** A task scored on the accessibility tree, where the guest shows the text typed into it. */
    private static String typedTask(String include, String exclude) {
        return """
                {"task_config": {"id": "typed", "instruction": "Type the word.",
                  "evaluator": {"func": "check_include_exclude", "result": {"type": "accessibility_tree"},
                                "expected": {"type": "rule", "rules": {"include": ["%s"], "exclude": ["%s"]}}}}}"""
                .formatted(include, exclude);
    }

    @Test
    void reset_runs_every_kind_of_setup_step_in_the_vm() {
        JsonNode r = reset(ALPHA, """
                {"require_a11y_tree": true, "task_config": {"id": "setup-all", "instruction": "Check the setup.",
                 "config": [
                  {"type": "execute", "parameters": {"command": ["sh", "-c", "echo setup-ran > /home/user/setup.txt"]}},
                  {"type": "command", "parameters": {"command": "echo {SCREEN_WIDTH}x{SCREEN_HEIGHT} > /tmp/screen.txt", "shell": true}},
                  {"type": "download", "parameters": {"files": [{"url": "%s/gold.txt", "path": "/home/user/Downloads/gold.txt"}]}},
                  {"type": "upload_file", "parameters": {"files": [{"content": "uploaded", "path": "/home/user/notes.txt"}]}},
                  {"type": "launch", "parameters": {"command": ["sleep", "300"]}},
                  {"type": "open", "parameters": {"path": "/home/user/notes.txt"}},
                  {"type": "open", "parameters": {"path": "/home/user/setup.txt"}},
                  {"type": "close_window", "parameters": {"window_name": "notes.txt"}},
                  {"type": "activate_window", "parameters": {"window_name": "sleep"}},
                  {"type": "change_wallpaper", "parameters": {"path": "/home/user/notes.txt"}},
                  {"type": "chrome_open_tabs", "parameters": {"urls_to_open": ["http://127.0.0.1:9/deskpool-tab"]}},
                  {"type": "sleep", "parameters": {"seconds": 0.2}}],
                 "evaluator": {"func": ["check_include_exclude", "compare_text_file", "exact_match"],
                   "result": [{"type": "vm_command_line", "command": "cat /home/user/setup.txt", "shell": true},
                              {"type": "vm_file", "path": "/home/user/Downloads/gold.txt", "dest": "gold.txt"},
                              {"type": "vm_command_line", "command": ["cat", "/home/user/notes.txt"]}],
                   "expected": [{"type": "rule", "rules": {"include": ["setup-ran"], "exclude": []}},
                                {"type": "cloud_file", "path": "%s/gold.txt", "dest": "gold-expected.txt"},
                                {"type": "rule", "rules": {"expected": "uploaded"}}]}}}"""
                .formatted(filesBase, filesBase));
        String session = id(r);

        assertThat(r.path("session").path("step").asInt()).isZero();
        assertThat(r.path("session").path("state").asText()).isEqualTo("running");
        assertThat(r.path("instruction").asText()).isEqualTo("Check the setup.");
        assertThat(r.path("info").path("setup")).hasSize(12).allMatch(s -> s.path("ok").asBoolean());
        String tree = r.path("observation").path("accessibility_tree").asText();
        assertThat(tree).contains("deskpool-tab", "sleep", "setup.txt").doesNotContain("notes.txt");
        assertThat(evaluate(ALPHA, session).path("score").asDouble()).isEqualTo(1.0);
        assertThat(step(ALPHA, session, "WAIT").ok().json().path("done").asBoolean()).isFalse();
    }

    @Test
    void steps_change_the_vm_and_the_observation_is_only_the_new_one() {
        JsonNode r = reset(ALPHA, "{\"max_steps\": 3, \"task_config\": {\"id\": \"steps\"}}");
        String session = id(r);
        byte[] before = Base64Screens.of(r);

        EnvCalls.Reply click = step(ALPHA, session, "pyautogui.click(200, 150)").ok();
        EnvCalls.Reply write = http.post("/v1/sessions/" + session + "/step", ALPHA,
                "{\"action\": \"pyautogui.write('hello deskpool')\", \"require_a11y_tree\": true}").ok();
        EnvCalls.Reply last = step(ALPHA, session, "pyautogui.press('enter')").ok();
        EnvCalls.Reply over = step(ALPHA, session, "WAIT");
        EnvCalls.Reply shot = http.get("/v1/sessions/" + session + "/screenshot", ALPHA);

        assertThat(click.json().path("step").asInt()).isEqualTo(1);
        assertThat(click.json().path("executed").get(0).path("returncode").asInt()).isZero();
        assertThat(click.json().path("reward").asDouble()).isZero();
        assertThat(Arrays.equals(before, click.screenshot())).isFalse();
        assertThat(click.json().has("history")).isFalse();
        assertThat(write.json().path("observation").path("accessibility_tree").asText()).contains("hello deskpool");
        assertThat(last.json().path("done").asBoolean()).isTrue();
        assertThat(last.json().path("ended_by").asText()).isEqualTo("max_steps");
        assertThat(over.status()).isEqualTo(409);
        assertThat(over.reason()).isEqualTo("episode_done");
        assertThat(shot.status()).isEqualTo(200);
        assertThat(shot.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("image/png"));
        assertThat(Arrays.copyOf(shot.bytes(), 4)).isEqualTo(new byte[]{(byte) 0x89, 'P', 'N', 'G'});
    }

    @Test
    void a_steps_deadline_is_passed_to_the_vm_which_stops_the_action() {
        String session = reset(ALPHA, "{\"task_config\": {\"id\": \"slow\"}}").path("session").path("session_id").asText();

        EnvCalls.Reply slow = http.post("/v1/sessions/" + session + "/step", ALPHA,
                "{\"action\": \"pyautogui.sleep(120)\", \"timeout\": 5}");

        assertThat(slow.status()).isEqualTo(200);
        assertThat(slow.json().path("executed").get(0).path("returncode").asInt()).isEqualTo(1);
        assertThat(slow.json().path("executed").get(0).path("error").asText()).contains("timeout");
        assertThat(step(ALPHA, session, "pyautogui.click(5, 5)").status()).isEqualTo(200);
    }

    @Test
    void evaluate_scores_a_done_task_1_and_an_undone_one_0() {
        String done = reset(ALPHA, typedTask("42", "zzz")).path("session").path("session_id").asText();
        String undone = reset(BETA, typedTask("42", "zzz")).path("session").path("session_id").asText();

        step(ALPHA, done, "pyautogui.typewrite('the answer is 42')").ok();
        step(BETA, undone, "pyautogui.typewrite('no idea')").ok();
        JsonNode yes = evaluate(ALPHA, done);
        JsonNode no = evaluate(BETA, undone);

        assertThat(yes.path("score").asDouble()).isEqualTo(1.0);
        assertThat(yes.path("metrics").get(0).path("func").asText()).isEqualTo("check_include_exclude");
        assertThat(no.path("score").asDouble()).isEqualTo(0.0);
    }

    @Test
    void two_sessions_in_parallel_do_not_see_each_other() throws Exception {
        CyclicBarrier together = new CyclicBarrier(2);
        CompletableFuture<JsonNode[]> a = CompletableFuture.supplyAsync(() -> episode(ALPHA, "apples", "pears", together));
        CompletableFuture<JsonNode[]> b = CompletableFuture.supplyAsync(() -> episode(BETA, "pears", "apples", together));

        JsonNode[] ra = a.get(10, TimeUnit.MINUTES);
        JsonNode[] rb = b.get(10, TimeUnit.MINUTES);

        assertThat(vm(ra[0])).isNotEqualTo(vm(rb[0]));
        assertThat(id(ra[0])).isNotEqualTo(id(rb[0]));
        assertThat(ra[1].path("score").asDouble()).isEqualTo(1.0);
        assertThat(rb[1].path("score").asDouble()).isEqualTo(1.0);
    }

    private JsonNode[] episode(String token, String mine, String theirs, CyclicBarrier together) {
        try {
            together.await(5, TimeUnit.MINUTES);
            JsonNode r = reset(token, typedTask(mine, theirs));
            String session = id(r);
            for (int i = 0; i < 3; i++) {
                together.await(5, TimeUnit.MINUTES);
                step(token, session, "pyautogui.write('" + mine + " ')").ok();
            }
            return new JsonNode[]{r, evaluate(token, session)};
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void resetting_a_session_gives_it_a_clean_vm_under_the_same_id() {
        String session = reset(ALPHA, typedTask("dirty", "zzz")).path("session").path("session_id").asText();
        step(ALPHA, session, "pyautogui.write('dirty desk')").ok();
        double dirty = evaluate(ALPHA, session).path("score").asDouble();

        JsonNode second = http.post("/v1/sessions/" + session + "/reset", ALPHA, typedTask("dirty", "zzz")).ok().json();

        assertThat(dirty).isEqualTo(1.0);
        assertThat(id(second)).isEqualTo(session);
        assertThat(second.path("session").path("step").asInt()).isZero();
        assertThat(evaluate(ALPHA, session).path("score").asDouble()).isEqualTo(0.0);
    }

    @Test
    void infeasible_tasks_score_1_when_the_agent_gives_up() {
        String session = reset(ALPHA, "{\"task_config\": {\"id\": \"impossible\", \"evaluator\": {\"func\": \"infeasible\"}}}")
                .path("session").path("session_id").asText();

        EnvCalls.Reply fail = step(ALPHA, session, "FAIL").ok();

        assertThat(fail.json().path("done").asBoolean()).isTrue();
        assertThat(fail.json().path("ended_by").asText()).isEqualTo("fail");
        assertThat(evaluate(ALPHA, session).path("score").asDouble()).isEqualTo(1.0);
    }

    @Test
    void a_metric_deskpool_lacks_goes_to_the_external_evaluator_with_the_fetched_file() {
        String session = reset(ALPHA, """
                {"task_config": {"id": "external",
                 "config": [{"type": "execute", "parameters": {"command": "echo yes > /home/user/answer.txt", "shell": true}}],
                 "evaluator": {"func": "file_says_yes",
                               "result": {"type": "vm_file", "path": "/home/user/answer.txt", "dest": "answer.txt"}}}}""")
                .path("session").path("session_id").asText();

        JsonNode e = evaluate(ALPHA, session);

        assertThat(e.path("score").asDouble()).isEqualTo(1.0);
        assertThat(e.path("metrics").get(0).path("by").asText()).isEqualTo("external");
    }

    @Test
    void a_session_belongs_to_its_token() {
        String session = reset(ALPHA, "{\"task_config\": {\"id\": \"mine\"}}").path("session").path("session_id").asText();

        EnvCalls.Reply r = step(BETA, session, "WAIT");

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.reason()).isEqualTo("not_session_owner");
    }

    @Test
    void a_vm_lost_mid_episode_is_a_typed_error_and_the_next_reset_gets_a_new_vm() {
        JsonNode r = reset(BETA, "{\"task_config\": {\"id\": \"lost\"}}");
        String session = id(r);
        String vm = vm(r);

        server.pool().destroyVm(vm);
        EnvCalls.Reply lost = step(BETA, session, "pyautogui.click(10, 10)");
        JsonNode again = http.post("/v1/sessions/" + session + "/reset", BETA, "{}").ok().json();

        assertThat(lost.status()).isEqualTo(410);
        assertThat(lost.json().path("error").asText()).isEqualTo("vm_lost");
        assertThat(lost.reason()).isEqualTo("vm_lost");
        assertThat(id(again)).isEqualTo(session);
        assertThat(vm(again)).isNotEqualTo(vm);
        assertThat(step(BETA, session, "pyautogui.click(10, 10)").status()).isEqualTo(200);
    }

    @Test
    void a_session_view_carries_its_vms_endpoints_and_the_list_shows_the_callers_sessions_only() {
        JsonNode r = reset(ALPHA, "{\"task_config\": {\"id\": \"view\"}}");
        JsonNode view = http.get("/v1/sessions/" + id(r), ALPHA).ok().json();
        JsonNode endpoints = view.path("vm").path("endpoints");

        assertThat(endpoints.path("host").asText()).isEqualTo("127.0.0.1");
        assertThat(endpoints.path("server_port").asInt()).isPositive();
        assertThat(endpoints.path("chromium_port").asInt()).isPositive();
        assertThat(view.path("task_id").asText()).isEqualTo("view");
        assertThat(http.get("/v1/sessions", ALPHA).json().path("sessions")).extracting(n -> n.path("session_id").asText())
                .contains(id(r));
        assertThat(http.get("/v1/sessions", BETA).json().path("sessions")).extracting(n -> n.path("session_id").asText())
                .doesNotContain(id(r));
    }

    @Test
    void closing_a_session_gives_its_vm_back_and_forgets_it() {
        JsonNode r = reset(BETA, "{\"task_config\": {\"id\": \"closing\"}}");

        JsonNode closed = http.send("DELETE", "/v1/sessions/" + id(r), BETA, null).ok().json();

        assertThat(closed.path("released_vm_id").asText()).isEqualTo(vm(r));
        assertThat(http.get("/v1/sessions/" + id(r), BETA).status()).isEqualTo(404);
    }

    @Test
    void an_action_the_parser_cannot_read_is_a_400_that_changes_nothing() {
        String session = id(reset(ALPHA, "{\"task_config\": {\"id\": \"refuse\"}}"));

        EnvCalls.Reply r = http.post("/v1/sessions/" + session + "/step", ALPHA, "{\"action\": \"   \"}");
        EnvCalls.Reply parser = http.post("/v1/sessions/" + session + "/step", ALPHA,
                "{\"action\": \"WAIT\", \"parser\": \"morse\"}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.reason()).isEqualTo("invalid_action");
        assertThat(parser.status()).isEqualTo(400);
        assertThat(parser.reason()).isEqualTo("unknown_parser");
        assertThat(http.get("/v1/sessions/" + session, ALPHA).json().path("step").asInt()).isZero();
    }

    @Test
    void a_step_may_name_any_parser_and_its_actions_reach_the_vm() {
        String session = id(reset(BETA, "{\"task_config\": {\"id\": \"parsers\"}}"));

        JsonNode dict = http.post("/v1/sessions/" + session + "/step", BETA, "{\"parser\": \"computer_13\", \"action\": "
                + EnvJson.MAPPER.valueToTree("{\"action_type\": \"CLICK\", \"x\": 321, \"y\": 123}") + "}").ok().json();
        JsonNode uitars = http.post("/v1/sessions/" + session + "/step", BETA, "{\"parser\": \"uitars\", \"action\": "
                + EnvJson.MAPPER.valueToTree("Thought: type.\nAction: type(content='via uitars')") + "}").ok().json();
        int port = http.get("/v1/sessions/" + session, BETA).ok().json().path("vm").path("endpoints").path("server_port").asInt();
        String log = new EnvCalls("http://127.0.0.1:" + port).get("/terminal", null).ok().json().path("output").asText();

        assertThat(dict.path("parsed").path("actions").get(0).path("type").asText()).isEqualTo("code");
        assertThat(uitars.path("parsed").path("thought").asText()).isEqualTo("type.");
        assertThat(log).contains("click 321 123", "write via uitars");
    }

    @Test
    void health_names_the_provider_and_the_pool() {
        JsonNode h = http.get("/health", null).ok().json();

        assertThat(h.path("provider").asText()).isEqualTo("qemu");
        assertThat(h.path("pool").path("pool_size").asInt()).isEqualTo(2);
        assertThat(h.path("kvm_available").isBoolean()).isTrue();
    }

    /** The observation's screenshot bytes. */
    private static final class Base64Screens {
        static byte[] of(JsonNode r) {
            return java.util.Base64.getDecoder().decode(r.path("observation").path("screenshot").asText());
        }
    }
}
