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
 * The env API against real VMs: the QEMU provider booting the test desktop guest (PATH_TO_VM empty), two VMs
 * for the whole class. Fails, not skips, when QEMU or the guest cannot run here. Files the tasks download are
 * served from a loopback HTTP server in this test.
 */
class EnvGuestTest {
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
                "ENV_CACHE_DIR", state.resolve("cache").toString()));
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
            http.post("/env/close", s[1], "{\"session_id\": \"" + s[0] + "\"}");
        }
    }

    private JsonNode reset(String token, String body) {
        JsonNode r = http.post("/env/reset", token, body).ok().json();
        opened.add(new String[]{r.path("session_id").asText(), token});
        return r;
    }

    private static EnvCalls.Reply step(String token, String session, String action) {
        return http.post("/env/step", token, "{\"session_id\": \"" + session + "\", \"action\": "
                + EnvJson.MAPPER.valueToTree(action) + "}");
    }

    private static JsonNode evaluate(String token, String session) {
        return http.post("/env/evaluate", token, "{\"session_id\": \"" + session + "\"}").ok().json();
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
        String session = r.path("session_id").asText();

        assertThat(r.path("step").asInt()).isZero();
        assertThat(r.path("done").asBoolean()).isFalse();
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
        String session = r.path("session_id").asText();
        byte[] before = Base64Screens.of(r);

        EnvCalls.Reply click = step(ALPHA, session, "pyautogui.click(200, 150)").ok();
        EnvCalls.Reply write = http.post("/env/step", ALPHA, "{\"session_id\": \"" + session
                + "\", \"action\": \"pyautogui.write('hello deskpool')\", \"require_a11y_tree\": true}").ok();
        EnvCalls.Reply last = step(ALPHA, session, "pyautogui.press('enter')").ok();
        EnvCalls.Reply over = step(ALPHA, session, "WAIT");
        EnvCalls.Reply shot = http.get("/env/screenshot?session_id=" + session, ALPHA);

        assertThat(click.json().path("step").asInt()).isEqualTo(1);
        assertThat(click.json().path("info").path("returncode").asInt()).isZero();
        assertThat(Arrays.equals(before, click.screenshot())).isFalse();
        assertThat(click.json().has("history")).isFalse();
        assertThat(write.json().path("observation").path("accessibility_tree").asText()).contains("hello deskpool");
        assertThat(last.json().path("done").asBoolean()).isTrue();
        assertThat(last.json().path("info").path("max_steps_reached").asBoolean()).isTrue();
        assertThat(over.status()).isEqualTo(400);
        assertThat(over.reason()).isEqualTo("episode_done");
        assertThat(shot.status()).isEqualTo(200);
        assertThat(shot.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("image/png"));
        assertThat(Arrays.copyOf(shot.bytes(), 4)).isEqualTo(new byte[]{(byte) 0x89, 'P', 'N', 'G'});
    }

    @Test
    void a_steps_deadline_is_passed_to_the_vm_which_stops_the_action() {
        String session = reset(ALPHA, "{\"task_config\": {\"id\": \"slow\"}}").path("session_id").asText();

        EnvCalls.Reply slow = http.post("/env/step", ALPHA, "{\"session_id\": \"" + session
                + "\", \"action\": \"pyautogui.sleep(120)\", \"timeout\": 5}");

        assertThat(slow.status()).isEqualTo(200);
        assertThat(slow.json().path("info").path("returncode").asInt()).isEqualTo(1);
        assertThat(slow.json().path("info").path("error").asText()).contains("timeout");
        assertThat(step(ALPHA, session, "pyautogui.click(5, 5)").status()).isEqualTo(200);
    }

    @Test
    void evaluate_scores_a_done_task_1_and_an_undone_one_0() {
        String done = reset(ALPHA, typedTask("42", "zzz")).path("session_id").asText();
        String undone = reset(BETA, typedTask("42", "zzz")).path("session_id").asText();

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

        assertThat(ra[0].path("vm_id").asText()).isNotEqualTo(rb[0].path("vm_id").asText());
        assertThat(ra[0].path("session_id").asText()).isNotEqualTo(rb[0].path("session_id").asText());
        assertThat(ra[1].path("score").asDouble()).isEqualTo(1.0);
        assertThat(rb[1].path("score").asDouble()).isEqualTo(1.0);
    }

    private JsonNode[] episode(String token, String mine, String theirs, CyclicBarrier together) {
        try {
            together.await(5, TimeUnit.MINUTES);
            JsonNode r = reset(token, typedTask(mine, theirs));
            String session = r.path("session_id").asText();
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
        String session = reset(ALPHA, typedTask("dirty", "zzz")).path("session_id").asText();
        step(ALPHA, session, "pyautogui.write('dirty desk')").ok();
        double dirty = evaluate(ALPHA, session).path("score").asDouble();

        JsonNode second = http.post("/env/reset", ALPHA, withSession(typedTask("dirty", "zzz"), session)).ok().json();

        assertThat(dirty).isEqualTo(1.0);
        assertThat(second.path("session_id").asText()).isEqualTo(session);
        assertThat(second.path("step").asInt()).isZero();
        assertThat(evaluate(ALPHA, session).path("score").asDouble()).isEqualTo(0.0);
    }

    private static String withSession(String body, String session) {
        return body.replaceFirst("\\{", "{\"session_id\": \"" + session + "\", ");
    }

    @Test
    void evaluate_before_reset_is_a_400_and_an_unknown_step_type_a_400_naming_it() {
        EnvCalls.Reply eval = http.post("/env/evaluate", BETA, "{}");
        EnvCalls.Reply bad = http.post("/env/reset", BETA,
                "{\"task_config\": {\"config\": [{\"type\": \"teleport\", \"parameters\": {}}]}}");

        assertThat(eval.status()).isEqualTo(400);
        assertThat(eval.reason()).isEqualTo("no_session");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("message").asText()).contains("'teleport'");
        assertThat(http.get("/env/sessions", BETA).json().path("sessions")).isEmpty();
    }

    @Test
    void infeasible_tasks_score_1_when_the_agent_gives_up() {
        String session = reset(ALPHA, "{\"task_config\": {\"id\": \"impossible\", \"evaluator\": {\"func\": \"infeasible\"}}}")
                .path("session_id").asText();

        EnvCalls.Reply fail = step(ALPHA, session, "FAIL").ok();

        assertThat(fail.json().path("done").asBoolean()).isTrue();
        assertThat(fail.json().path("info").path("fail").asBoolean()).isTrue();
        assertThat(evaluate(ALPHA, session).path("score").asDouble()).isEqualTo(1.0);
    }

    @Test
    void a_metric_deskpool_lacks_goes_to_the_external_evaluator_with_the_fetched_file() {
        String session = reset(ALPHA, """
                {"task_config": {"id": "external",
                 "config": [{"type": "execute", "parameters": {"command": "echo yes > /home/user/answer.txt", "shell": true}}],
                 "evaluator": {"func": "file_says_yes",
                               "result": {"type": "vm_file", "path": "/home/user/answer.txt", "dest": "answer.txt"}}}}""")
                .path("session_id").asText();

        JsonNode e = evaluate(ALPHA, session);

        assertThat(e.path("score").asDouble()).isEqualTo(1.0);
        assertThat(e.path("metrics").get(0).path("by").asText()).isEqualTo("external");
    }

    @Test
    void a_session_belongs_to_its_token() {
        String session = reset(ALPHA, "{\"task_config\": {\"id\": \"mine\"}}").path("session_id").asText();

        EnvCalls.Reply r = step(BETA, session, "WAIT");

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.reason()).isEqualTo("not_session_owner");
    }

    @Test
    void a_vm_lost_mid_episode_is_a_typed_error_and_the_next_reset_gets_a_new_vm() {
        JsonNode r = reset(BETA, "{\"task_config\": {\"id\": \"lost\"}}");
        String session = r.path("session_id").asText();
        String vm = r.path("vm_id").asText();

        server.pool().destroyVm(vm);
        EnvCalls.Reply lost = step(BETA, session, "pyautogui.click(10, 10)");
        JsonNode again = http.post("/env/reset", BETA, "{\"session_id\": \"" + session + "\"}").ok().json();

        assertThat(lost.status()).isEqualTo(502);
        assertThat(lost.json().path("error").asText()).isEqualTo("vm_lost");
        assertThat(lost.json().path("details").path("session_id").asText()).isEqualTo(session);
        assertThat(again.path("session_id").asText()).isEqualTo(session);
        assertThat(again.path("vm_id").asText()).isNotEqualTo(vm);
        assertThat(step(BETA, session, "pyautogui.click(10, 10)").status()).isEqualTo(200);
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
