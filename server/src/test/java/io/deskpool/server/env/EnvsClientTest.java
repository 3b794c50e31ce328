package io.deskpool.server.env;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ENVS's ENVSEnvClient against real QEMU guests: slot_id in every body, its timeouts and reset retries, evaluate
 * answered as {"score"}, replay falling back to steps, the last screenshot fetched from the history.
 */
class EnvsClientTest {
    private static RemoteEnvTestBed bed;

    @BeforeAll
    static void start() {
        bed = new RemoteEnvTestBed(2, 2, 2, Map.of());
    }

    @AfterAll
    static void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void two_slots_of_one_server_run_their_episodes_in_parallel_and_score_their_own_task() throws Exception {
        CompletableFuture<JsonNode> a = CompletableFuture.supplyAsync(() -> episode(0, "apples", "pears"));
        CompletableFuture<JsonNode> b = CompletableFuture.supplyAsync(() -> episode(1, "pears", "apples"));

        JsonNode ra = a.get(10, TimeUnit.MINUTES);
        JsonNode rb = b.get(10, TimeUnit.MINUTES);

        assertThat(ra.path("score").asDouble()).isEqualTo(1.0);
        assertThat(rb.path("score").asDouble()).isEqualTo(1.0);
        assertThat(ra.size()).as("evaluate answers {\"score\"}").isEqualTo(1);
    }

    private static JsonNode episode(int slot, String mine, String theirs) {
        EnvsEnvClient c = new EnvsEnvClient(slot, bed.envUrl(), slot);
        JsonNode reset = c.reset(RemoteEnvTestBed.typedTask("envs-" + mine, mine, theirs));
        assertThat(reset.path("env_idx").asInt()).isEqualTo(slot);
        assertThat(reset.path("is_done").asBoolean()).isFalse();
        WireMessages.process(reset.path("obs_messages"));
        JsonNode step = c.step("Thought: typing.\nAction: type(content='" + mine + "')", 0.0);
        assertThat(step.path("is_done").asBoolean()).isFalse();
        assertThat(step.path("format_reward").asDouble()).isEqualTo(0.0);
        WireMessages.process(step.path("obs_messages"));
        assertThat(c.http.seen).extracting(RemoteEnvHttp.Seen::status).containsOnly(200);
        return c.evaluate();
    }

    @Test
    void replay_falls_back_to_steps_on_the_404_and_the_last_screenshot_comes_from_the_history() throws Exception {
        EnvsEnvClient c = new EnvsEnvClient(3, bed.envUrl(), 3);
        c.reset(RemoteEnvTestBed.typedTask("envs-replay", "one two", "zzz"));

        Map<String, Object> replay = c.replay(List.of("Action: type(content='one ')", "Action: type(content='two')"));
        String shot = c.obsScreenshot().orElseThrow();
        JsonNode score = c.evaluate();

        assertThat(replay).containsEntry("fallback", true).containsEntry("steps_completed", 2).containsEntry("success", true);
        assertThat(c.http.seen).extracting(RemoteEnvHttp.Seen::path).contains("/env/replay");
        assertThat(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(shot))).getHeight()).isEqualTo(720);
        assertThat(score.path("score").asDouble()).isEqualTo(1.0);
    }

    @Test
    void the_history_of_a_slot_is_also_served_to_get_with_slot_id_under_the_three_keys_envs_knows() {
        EnvsEnvClient c = new EnvsEnvClient(4, bed.envUrl(), 4);
        c.reset(RemoteEnvTestBed.typedTask("envs-get", "x", "zzz"));

        JsonNode h = new EnvCalls(bed.envUrl()).get("/env/history_messages?slot_id=4", null).ok().json();

        assertThat(h.path("history_messages")).hasSize(3);
        assertThat(h.path("messages")).isEqualTo(h.path("history_messages"));
        assertThat(h.path("history")).isEqualTo(h.path("history_messages"));
    }

    @Test
    void a_reset_that_fails_is_retried_twice_by_the_client_which_then_reports_is_done() {
        EnvsEnvClient c = new EnvsEnvClient(5, bed.envUrl(), 5);

        JsonNode r = c.reset(Map.of("id", "envs-bad", "config", List.of(Map.of("type", "teleport"))));

        assertThat(c.http.seen).extracting(RemoteEnvHttp.Seen::status).containsExactly(400, 400, 400);
        assertThat(r.path("is_done").asBoolean()).isTrue();
        assertThat(r.path("obs_messages").isNull()).isTrue();
    }
}
