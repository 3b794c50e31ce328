package io.deskpool.server.env;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ARPO's {@code RemoteEnvWorker} (hanshengzhu0001/arpo_remote_env, {@code verl/trainer/gui_agent.py}) as it talks
 * to the server: the same URLs, bodies, timeouts (reset 1200 s, step 300 s, evaluate 300 s), the same evaluate
 * retries (4, after 5/10/15/20 s), the same fallbacks (an HTTP error makes reset {@code is_done, 0.0}, step
 * {@code is_done, -1.0}, evaluate 0.0), and the same use of the answers: {@code wire_to_messages}, then
 * {@code process_message} of the whole history after a reset and of its last two messages after a step.
 */
final class ArpoRemoteEnvWorker {
    static final Duration REMOTE_RESET_TIMEOUT = Duration.ofSeconds(1200);
    static final Duration REMOTE_STEP_TIMEOUT = Duration.ofSeconds(300);
    static final Duration REMOTE_EVALUATE_TIMEOUT = Duration.ofSeconds(300);
    static final int REMOTE_EVALUATE_RETRIES = 4;

    /** What reset and step return to the trainer ({@code obs_messages} null when the server sent none). */
    record Answer(int envIdx, List<WireMessages.Message> obsMessages, boolean isDone, double formatReward) {
    }

    final int workerIdx;
    final RemoteEnvHttp http = new RemoteEnvHttp();
    private final String remoteServerUrl;
    List<WireMessages.Message> historyMessages = List.of();
    /** The messages process_message saw last (the whole history after reset, the last two after a step). */
    List<WireMessages.Message> processed = List.of();
    boolean isDone;

    ArpoRemoteEnvWorker(int workerIdx, String remoteServerUrl) {
        this.workerIdx = workerIdx;
        this.remoteServerUrl = remoteServerUrl.replaceAll("/+$", "");
    }

    private JsonNode post(String path, Object body, Duration timeout) {
        return http.post(remoteServerUrl + path, RemoteEnvHttp.json(body), timeout);
    }

    Answer reset(Map<String, Object> taskConfig) {
        historyMessages = List.of();
        JsonNode resp;
        try {
            resp = post("/env/reset", Map.of("task_config", taskConfig), REMOTE_RESET_TIMEOUT);
        } catch (RuntimeException e) {
            isDone = true;
            return new Answer(workerIdx, null, true, 0.0);
        }
        isDone = resp.path("is_done").asBoolean(true);
        JsonNode obsWire = resp.path("obs_messages");
        boolean present = obsWire.isArray() && !obsWire.isEmpty();
        if (present) {
            historyMessages = WireMessages.process(obsWire);
            processed = historyMessages;
        }
        return new Answer(workerIdx, present ? historyMessages : null, isDone, formatReward(resp));
    }

    Answer step(String prediction) {
        JsonNode resp;
        try {
            resp = post("/env/step", Map.of("prediction", prediction), REMOTE_STEP_TIMEOUT);
        } catch (RuntimeException e) {
            isDone = true;
            return new Answer(workerIdx, null, true, -1.0);
        }
        isDone = resp.path("is_done").asBoolean(true);
        JsonNode obsWire = resp.path("obs_messages");
        boolean present = obsWire.isArray() && !obsWire.isEmpty();
        if (present) {
            historyMessages = WireMessages.process(obsWire);
            processed = historyMessages.subList(Math.max(0, historyMessages.size() - 2), historyMessages.size());
        }
        return new Answer(workerIdx, present ? historyMessages : null, isDone, formatReward(resp));
    }

    double evaluate() {
        for (int attempt = 0; attempt < REMOTE_EVALUATE_RETRIES + 1; attempt++) {
            try {
                return RemoteEnvHttp.pyFloat(post("/env/evaluate", Map.of(), REMOTE_EVALUATE_TIMEOUT));
            } catch (RuntimeException e) {
                if (attempt < REMOTE_EVALUATE_RETRIES) {
                    sleep(Duration.ofSeconds(5L * (attempt + 1)));
                }
            }
        }
        return 0.0;
    }

    private static double formatReward(JsonNode resp) {
        JsonNode r = resp.path("format_reward");
        if (r.isMissingNode()) {
            return 0.0;
        }
        assertThat(r.isNumber()).as("format_reward is a number").isTrue();
        return r.asDouble();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
