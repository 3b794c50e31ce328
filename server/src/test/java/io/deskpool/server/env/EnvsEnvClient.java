package io.deskpool.server.env;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.EnvJson;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ENVS's {@code ENVSEnvClient} (ArtysicistZ/ENVS, {@code verl/envs/env_client.py}) as it talks to the server:
 * {@code slot_id} in every body; reset 300 s with 2 retries after 5 and 10 s; step 60 s with
 * {@code noise_probability}; evaluate 350 s answered as {@code {"score"}}; replay falling back to steps when the
 * server has no {@code /env/replay}; the last screenshot from {@code /env/history_messages} (30 s).
 */
final class EnvsEnvClient {
    static final Duration RESET_TIMEOUT = Duration.ofSeconds(300);
    static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
    static final Duration EVAL_TIMEOUT = Duration.ofSeconds(350);
    static final int MAX_RETRIES = 2;

    final int workerIdx;
    final int slotId;
    final RemoteEnvHttp http = new RemoteEnvHttp();
    private final String remoteServerUrl;
    boolean isDone;
    int stepCounter;

    EnvsEnvClient(int workerIdx, String remoteServerUrl, int slotId) {
        this.workerIdx = workerIdx;
        this.remoteServerUrl = remoteServerUrl.replaceAll("/+$", "");
        this.slotId = slotId;
    }

    private JsonNode post(String path, Map<String, Object> body, Duration timeout) {
        return http.post(remoteServerUrl + path, RemoteEnvHttp.json(body), timeout);
    }

    JsonNode reset(Map<String, Object> taskConfig) {
        stepCounter = 0;
        isDone = false;
        for (int attempt = 0; attempt < MAX_RETRIES + 1; attempt++) {
            try {
                JsonNode resp = post("/env/reset", Map.of("task_config", taskConfig, "slot_id", slotId), RESET_TIMEOUT);
                isDone = resp.path("is_done").asBoolean(false);
                return resp;
            } catch (RuntimeException e) {
                if (attempt < MAX_RETRIES) {
                    sleep(Duration.ofSeconds(5L * (attempt + 1)));
                }
            }
        }
        isDone = true;
        return fallback();
    }

    JsonNode step(String prediction, double noiseProbability) {
        try {
            var body = new LinkedHashMap<String, Object>();
            body.put("prediction", prediction);
            body.put("slot_id", slotId);
            body.put("noise_probability", noiseProbability);
            JsonNode resp = post("/env/step", body, STEP_TIMEOUT);
            isDone = resp.path("is_done").asBoolean(false);
            stepCounter++;
            return resp;
        } catch (RuntimeException e) {
            isDone = true;
            return fallback();
        }
    }

    JsonNode evaluate() {
        try {
            return post("/env/evaluate", Map.of("slot_id", slotId), EVAL_TIMEOUT);
        } catch (RuntimeException e) {
            var m = EnvJson.MAPPER.createObjectNode();
            m.put("env_idx", workerIdx);
            m.put("score", 0.0);
            return m;
        }
    }

    /** {@code replay}: {@code /env/replay}, and on a 404 the same predictions as plain steps. */
    Map<String, Object> replay(List<String> predictions) {
        Duration timeout = Duration.ofSeconds(Math.max(60, predictions.size() * 5L + 30));
        try {
            JsonNode resp = post("/env/replay", Map.of("predictions", predictions, "slot_id", slotId,
                    "replay_pause_sec", 1.0), timeout);
            return EnvJson.MAPPER.convertValue(resp, Map.class);
        } catch (RemoteEnvHttp.HttpError e) {
            if (e.status == 404) {
                return replayFallback(predictions);
            }
            throw e;
        } catch (RuntimeException e) {
            return replayFallback(predictions);
        }
    }

    private Map<String, Object> replayFallback(List<String> predictions) {
        int completed = 0;
        for (String p : predictions) {
            try {
                post("/env/step", Map.of("prediction", p, "slot_id", slotId), STEP_TIMEOUT);
                completed++;
            } catch (RuntimeException e) {
                break;
            }
        }
        stepCounter = completed;
        isDone = false;
        return Map.of("success", completed == predictions.size(), "steps_completed", completed, "fallback", true);
    }

    /** {@code get_obs_screenshot}: the last image of the history, as base64. */
    Optional<String> obsScreenshot() {
        try {
            JsonNode resp = post("/env/history_messages", Map.of("slot_id", slotId), Duration.ofSeconds(30));
            JsonNode messages = resp.path("messages").isArray() && !resp.path("messages").isEmpty()
                    ? resp.path("messages") : resp.path("history_messages");
            for (int i = messages.size() - 1; i >= 0; i--) {
                JsonNode content = messages.get(i).path("content");
                for (int j = content.size() - 1; j >= 0; j--) {
                    JsonNode c = content.get(j);
                    if (c.path("type").asText().equals("image") && !c.path("b64").asText().isEmpty()) {
                        return Optional.of(c.path("b64").asText());
                    }
                }
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private JsonNode fallback() {
        var m = EnvJson.MAPPER.createObjectNode();
        m.put("env_idx", workerIdx);
        m.putNull("obs_messages");
        m.put("is_done", true);
        return m;
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
