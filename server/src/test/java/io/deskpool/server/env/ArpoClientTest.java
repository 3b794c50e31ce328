package io.deskpool.server.env;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ARPO's RemoteEnvWorker against real QEMU guests: its calls, in its order, with its timeouts and retries, and its
 * own use of the answers (wire_to_messages, process_message) as assertions. Workers call without a token from
 * loopback, acting as ENV_ANONYMOUS_TOKEN; each worker has its own base URL (/slots/k), or the bare one (slot 0).
 */
class ArpoClientTest {
    private static RemoteEnvTestBed bed;

    @BeforeAll
    static void start() {
        bed = new RemoteEnvTestBed(2, 2, 2, Map.of("ENV_IDLE_RELEASE", "10"));
    }

    @AfterAll
    static void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    private static ArpoRemoteEnvWorker worker(int slot) {
        return new ArpoRemoteEnvWorker(slot, bed.envUrl() + "/slots/" + slot);
    }

    @Test
    void a_worker_resets_steps_and_gets_its_episodes_score() {
        ArpoRemoteEnvWorker w = new ArpoRemoteEnvWorker(0, bed.envUrl());

        ArpoRemoteEnvWorker.Answer reset = w.reset(RemoteEnvTestBed.typedTask("arpo-typed", "hello arpo", "zzz"));
        List<WireMessages.Message> first = w.processed;
        ArpoRemoteEnvWorker.Answer typed = w.step("Thought: I type the words.\nAction: type(content='hello arpo')");
        List<WireMessages.Message> lastTwo = w.processed;
        ArpoRemoteEnvWorker.Answer finished = w.step("Thought: It is typed.\nAction: finished(content='typed it')");
        double score = w.evaluate();

        assertThat(reset.isDone()).isFalse();
        assertThat(reset.formatReward()).isEqualTo(0.0);
        assertThat(first).extracting(WireMessages.Message::role).containsExactly("system", "user", "user");
        assertThat(first.get(1).text()).contains("Type the word hello arpo.");
        assertThat(first.get(2).image().getWidth()).isEqualTo(1280);
        assertThat(typed.isDone()).isFalse();
        assertThat(typed.formatReward()).isEqualTo(0.0);
        assertThat(typed.obsMessages()).hasSize(5);
        assertThat(lastTwo).extracting(WireMessages.Message::role).containsExactly("assistant", "user");
        assertThat(lastTwo.get(0).text()).isEqualTo("Thought: I type the words.\nAction: type(content='hello arpo')");
        assertThat(lastTwo.get(1).isImage()).isTrue();
        assertThat(finished.isDone()).isTrue();
        assertThat(finished.obsMessages()).isNull();
        assertThat(finished.formatReward()).isEqualTo(0.0);
        assertThat(score).isEqualTo(1.0);
        assertThat(w.http.seen).extracting(RemoteEnvHttp.Seen::status).containsOnly(200);
    }

    @Test
    void an_evaluated_slot_gives_its_vm_back_and_keeps_the_score_for_the_clients_retries() {
        ArpoRemoteEnvWorker w = worker(1);
        w.reset(RemoteEnvTestBed.typedTask("arpo-kept", "kept", "zzz"));
        w.step("Action: type(content='kept')");

        double first = w.evaluate();
        double again = w.evaluate();
        JsonNode slot = slotView(1);

        assertThat(first).isEqualTo(1.0);
        assertThat(again).isEqualTo(1.0);
        assertThat(slot.path("state").asText()).isEqualTo("evaluated");
        assertThat(slot.path("vm").isNull()).isTrue();
    }

    @Test
    void a_prediction_without_an_action_gets_minus_one_and_ends_the_episode() {
        ArpoRemoteEnvWorker w = worker(2);
        w.reset(RemoteEnvTestBed.typedTask("arpo-babble", "never", "zzz"));

        ArpoRemoteEnvWorker.Answer babble = w.step("I think I should click the button somewhere.");
        double score = w.evaluate();

        assertThat(babble.formatReward()).isEqualTo(-1.0);
        assertThat(babble.isDone()).isTrue();
        assertThat(babble.obsMessages()).isNull();
        assertThat(score).as("scored as the DONE ARPO runs in its place").isEqualTo(0.0);
        assertThat(w.http.seen).extracting(RemoteEnvHttp.Seen::status).containsOnly(200);
    }

    @Test
    void the_episode_ends_at_arpos_16_steps() {
        ArpoRemoteEnvWorker w = worker(3);
        w.reset(RemoteEnvTestBed.typedTask("arpo-long", "x", "zzz"));

        ArpoRemoteEnvWorker.Answer last = null;
        int steps = 0;
        while (!w.isDone && steps < 20) {
            last = w.step("Thought: Nothing yet.\nAction: wait()");
            steps++;
        }

        assertThat(steps).isEqualTo(16);
        assertThat(last.isDone()).isTrue();
        assertThat(last.formatReward()).isEqualTo(0.0);
        assertThat(w.historyMessages).as("the last answer with messages: 3 + 15 x 2").hasSize(33);
    }

    @Test
    void history_messages_answers_the_whole_chat_including_the_last_prediction() throws Exception {
        ArpoRemoteEnvWorker w = worker(4);
        w.reset(RemoteEnvTestBed.typedTask("arpo-history", "x", "zzz"));
        w.step("Action: wait()");
        w.step("Action: finished(content='')");

        JsonNode h = w.http.post(bed.envUrl() + "/slots/4/env/history_messages", "{}", java.time.Duration.ofSeconds(30));
        List<WireMessages.Message> all = WireMessages.process(h.path("history_messages"));

        assertThat(h.has("messages")).as("ARPO's server answers one key").isFalse();
        assertThat(all).extracting(WireMessages.Message::role)
                .containsExactly("system", "user", "user", "assistant", "user", "assistant");
        assertThat(all.get(5).text()).isEqualTo("Action: finished(content='')");
    }

    @Test
    void a_step_before_any_reset_is_a_409_which_the_client_turns_into_done_minus_one() {
        ArpoRemoteEnvWorker w = worker(5);

        ArpoRemoteEnvWorker.Answer a = w.step("Action: wait()");

        assertThat(w.http.seen).extracting(RemoteEnvHttp.Seen::status).containsExactly(409);
        assertThat(a.isDone()).isTrue();
        assertThat(a.formatReward()).isEqualTo(-1.0);
    }

    @Test
    void evaluate_with_no_episode_is_a_503_retried_on_the_clients_schedule_and_never_a_score() {
        ArpoRemoteEnvWorker w = worker(6);
        long t0 = System.nanoTime();

        double score = w.evaluate();

        assertThat(w.http.seen).extracting(RemoteEnvHttp.Seen::status).containsExactly(503, 503, 503, 503, 503);
        assertThat((System.nanoTime() - t0) / 1e9).as("5 + 10 + 15 + 20 s of backoff").isGreaterThanOrEqualTo(50.0);
        assertThat(score).as("the client's own fallback after its retries").isEqualTo(0.0);
    }

    @Test
    void a_slot_idle_for_env_idle_release_gives_its_vm_back_and_its_next_step_says_so() throws Exception {
        ArpoRemoteEnvWorker w = worker(7);
        w.reset(RemoteEnvTestBed.typedTask("arpo-idle", "x", "zzz"));
        String vm = slotView(7).path("vm").path("vm_id").asText();

        RemoteEnvTestBed.eventually("the idle slot's VM is given back", () -> slotView(7).path("vm").isNull(), 60);
        ArpoRemoteEnvWorker.Answer late = w.step("Action: wait()");

        assertThat(vm).isNotEmpty();
        assertThat(w.http.seen).extracting(RemoteEnvHttp.Seen::status).endsWith(409);
        assertThat(late.isDone()).isTrue();
        assertThat(slotView(7).path("note").asText()).contains("ENV_IDLE_RELEASE");
    }

    /** The slot as /v1/sessions shows it to the anonymous token's owner. */
    private static JsonNode slotView(int k) {
        JsonNode all = new EnvCalls(bed.mainUrl()).get("/v1/sessions", RemoteEnvTestBed.LAB).ok().json().path("sessions");
        for (JsonNode s : all) {
            if (s.path("slot").asInt(-1) == k) {
                return s;
            }
        }
        throw new AssertionError("no slot " + k + " in " + all);
    }
}
