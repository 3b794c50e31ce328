package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deskpool.core.pool.VmState;
import io.deskpool.core.settings.Settings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The three fork routes on real QEMU test guests: a leased VM's copies hold what was done on it, a session's
 * copies carry its episode on and are scored on their own, an ENVS collector branches a slot into other slots
 * without replaying, and a fork the token's quota cannot take starts nothing.
 */
class ForkOnQemuTest {
    private static final String ALPHA = "alpha-fork-token";
    private static final String BETA = "beta-fork-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Counts the guest's processes running "sleep 100000" (the guest has no pgrep). */
    private static final String COUNT_SLEEPERS = "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; "
            + "done | grep -c '^sleep 100000 '";

    private static Path state;
    private static DeskpoolServer server;
    private static HttpCalls http;
    private final List<Runnable> cleanup = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        state = Files.createTempDirectory("deskpool-fork-");
        var s = new HashMap<String, String>(Map.of("PROVIDER", "qemu", "STATE_DIR", state.toString(), "HOST", "127.0.0.1",
                "PORT", "0", "TOKENS", ALPHA + ":3," + BETA + ":1", "POOL_SIZE", "4", "POOL_WARM", "1",
                "VM_READY_TIMEOUT", "240", "ENV_STEP_PAUSE", "0"));
        String guest = System.getenv("TEST_GUEST_QCOW2");
        if (guest != null && !guest.isBlank()) {
            s.put("PATH_TO_VM", guest);
        }
        server = DeskpoolServer.start(Settings.of(s), Clock.systemUTC());
        http = new HttpCalls("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        try (var paths = Files.walk(state)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @AfterEach
    void giveBack() {
        cleanup.forEach(Runnable::run);
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (!settled() && System.nanoTime() < deadline) {
            sleep(100);
        }
    }

    private static GuestCalls guest(JsonNode endpoints) {
        return new GuestCalls(endpoints.path("host").asText(), endpoints.path("server_port").asInt());
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode session(String token, Map<String, Object> task) {
        HttpCalls.Reply r = http.send("POST", "/v1/sessions", token, json(Map.of("task_config", task)),
                java.time.Duration.ofMinutes(10));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        String id = r.json().path("session").path("session_id").asText();
        cleanup.add(() -> http.delete("/v1/sessions/" + id, token));
        return r.json().path("session");
    }

    private static HttpCalls.Reply step(String session, String action) {
        HttpCalls.Reply r = http.post("/v1/sessions/" + session + "/step", ALPHA, json(Map.of("action", action)));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r;
    }

    private static double score(String session) {
        HttpCalls.Reply r = http.post("/v1/sessions/" + session + "/evaluate", ALPHA, "{}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("score").asDouble();
    }

    /** A task scored on the accessibility tree, where the test guest shows the text typed into it. */
    private static Map<String, Object> typed(String include) {
        return Map.of("id", "typed-" + include, "instruction", "Type " + include + ".",
                "evaluator", Map.of("func", "check_include_exclude", "result", Map.of("type", "accessibility_tree"),
                        "expected", Map.of("type", "rule", "rules", Map.of("include", List.of(include),
                                "exclude", List.of("zzz")))));
    }

    @Test
    void copies_of_a_leased_vm_hold_the_file_and_the_process_made_on_it_and_go_their_own_ways() {
        JsonNode parent = http.post("/v1/leases", ALPHA, "{\"wait_seconds\": 300}").json();
        String parentId = parent.path("lease_id").asText();
        cleanup.add(() -> http.delete("/v1/leases/" + parentId, ALPHA));
        GuestCalls parentGuest = guest(parent.path("endpoints"));
        parentGuest.execute("echo prepared > /home/user/setup.txt; sleep 100000 >/dev/null 2>&1 &");

        HttpCalls.Reply r = http.post("/v1/leases/" + parentId + "/fork", ALPHA, "{\"count\": 2}");

        assertThat(r.status()).as(r.body()).isEqualTo(201);
        JsonNode copies = r.json().path("leases");
        for (JsonNode copy : copies) {
            cleanup.add(() -> http.delete("/v1/leases/" + copy.path("lease_id").asText(), ALPHA));
            GuestCalls g = guest(copy.path("endpoints"));
            assertThat(g.execute("cat /home/user/setup.txt").path("output").asText()).isEqualTo("prepared\n");
            assertThat(g.execute(COUNT_SLEEPERS).path("output").asText().strip()).isEqualTo("1");
        }
        guest(copies.get(0).path("endpoints")).execute("echo mine > /home/user/branch.txt");
        assertThat(guest(copies.get(1).path("endpoints")).execute("test -e /home/user/branch.txt; echo $?")
                .path("output").asText()).isEqualTo("1\n");
        assertThat(parentGuest.execute("test -e /home/user/branch.txt; echo $?").path("output").asText()).isEqualTo("1\n");
    }

    @Test
    void no_fork_file_is_left_once_the_copies_and_their_parent_are_released() throws Exception {
        String parent = http.post("/v1/leases", ALPHA, "{\"wait_seconds\": 300}").json().path("lease_id").asText();
        JsonNode copies = http.post("/v1/leases/" + parent + "/fork", ALPHA, "{\"count\": 2}").json().path("leases");
        assertThat(forkDirectories()).as("while the copies run").hasSize(1);

        for (JsonNode copy : copies) {
            assertThat(http.delete("/v1/leases/" + copy.path("lease_id").asText(), ALPHA).status()).isEqualTo(204);
        }
        assertThat(http.delete("/v1/leases/" + parent, ALPHA).status()).isEqualTo(204);
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (!settled() && System.nanoTime() < deadline) {
            sleep(200);
        }

        assertThat(settled()).as("every VM reverted or destroyed").isTrue();
        assertThat(forkDirectories()).isEmpty();
    }

    private static boolean settled() {
        var st = server.pool().status();
        return st.leases() == 0 && st.count(VmState.REVERTING) + st.count(VmState.DESTROYING) + st.count(VmState.FORKING) == 0;
    }

    /** The forks' directories (frozen disk, state file) in STATE_DIR/qemu-forks; the clean template is not one. */
    private static List<Path> forkDirectories() throws java.io.IOException {
        Path root = state.resolve("qemu-forks");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (var dirs = Files.list(root)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("fork-")).toList();
        }
    }

    @Test
    void a_forked_session_carries_the_episode_on_and_every_copy_is_scored_on_its_own() {
        String parent = session(ALPHA, typed("apples")).path("session_id").asText();
        step(parent, "pyautogui.typewrite('app')");

        HttpCalls.Reply r = http.post("/v1/sessions/" + parent + "/fork", ALPHA, "{\"count\": 2}");

        assertThat(r.status()).as(r.body()).isEqualTo(201);
        JsonNode copies = r.json().path("sessions");
        assertThat(copies).hasSize(2).allSatisfy(c -> {
            assertThat(c.path("step").asInt()).isEqualTo(1);
            assertThat(c.path("task_id").asText()).isEqualTo("typed-apples");
            assertThat(c.path("state").asText()).isEqualTo("running");
        });
        for (JsonNode c : copies) {
            cleanup.add(() -> http.delete("/v1/sessions/" + c.path("session_id").asText(), ALPHA));
        }
        String done = copies.get(0).path("session_id").asText();
        String other = copies.get(1).path("session_id").asText();
        step(done, "pyautogui.typewrite('les')");
        step(other, "pyautogui.typewrite('ricot')");

        assertThat(score(done)).isEqualTo(1.0);
        assertThat(score(other)).isEqualTo(0.0);
        assertThat(score(parent)).as("the parent typed only 'app'").isEqualTo(0.0);
    }

    @Test
    void another_tokens_session_cannot_be_forked() {
        String parent = session(ALPHA, Map.of("id", "mine")).path("session_id").asText();

        HttpCalls.Reply r = http.post("/v1/sessions/" + parent + "/fork", BETA, "{\"count\": 1}");

        assertThat(r.status()).isEqualTo(403);
        assertThat(server.pool().status().count(VmState.LEASED)).isEqualTo(1);
    }

    @Test
    void a_session_fork_the_quota_cannot_take_is_a_429_and_leaves_no_session() {
        String parent = session(BETA, Map.of("id", "small")).path("session_id").asText();

        HttpCalls.Reply r = http.post("/v1/sessions/" + parent + "/fork", BETA, "{\"count\": 1}");

        assertThat(r.status()).isEqualTo(429);
        assertThat(r.json().path("error").asText()).isEqualTo("quota_exceeded");
        assertThat(http.get("/v1/sessions", BETA).json().path("sessions")).hasSize(1);
        assertThat(server.pool().status().count(VmState.LEASED)).isEqualTo(1);
    }

    @Test
    void an_envs_collector_branches_a_slot_into_other_slots_without_replaying() {
        cleanup.add(() -> {
            for (int k = 0; k < 3; k++) {
                http.post("/env/evaluate", ALPHA, "{\"slot_id\": " + k + "}");
            }
        });
        assertThat(http.send("POST", "/env/reset", ALPHA, json(Map.of("slot_id", 0, "task_config", typed("one two"))),
                java.time.Duration.ofMinutes(10)).status()).isEqualTo(200);
        assertThat(http.post("/env/step", ALPHA, json(Map.of("slot_id", 0,
                "prediction", "Thought: typing.\nAction: type(content='one ')"))).status()).isEqualTo(200);

        HttpCalls.Reply fork = http.post("/env/fork", ALPHA, "{\"slot_id\": 0, \"target_slot_ids\": [1, 2]}");

        assertThat(fork.status()).as(fork.body()).isEqualTo(200);
        assertThat(fork.json().path("success").asBoolean()).isTrue();
        assertThat(fork.json().path("steps_completed").asInt()).isEqualTo(1);
        JsonNode history = http.post("/env/history_messages", ALPHA, "{\"slot_id\": 1}").json().path("history_messages");
        assertThat(history.toString()).contains("one ");
        http.post("/env/step", ALPHA, json(Map.of("slot_id", 1, "prediction", "Action: type(content='two')")));
        http.post("/env/step", ALPHA, json(Map.of("slot_id", 2, "prediction", "Action: type(content='three')")));
        assertThat(http.post("/env/evaluate", ALPHA, "{\"slot_id\": 1}").json().path("score").asDouble()).isEqualTo(1.0);
        assertThat(http.post("/env/evaluate", ALPHA, "{\"slot_id\": 2}").json().path("score").asDouble()).isEqualTo(0.0);
        assertThat(http.post("/env/evaluate", ALPHA, "{\"slot_id\": 0}").json().path("score").asDouble()).isEqualTo(0.0);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
