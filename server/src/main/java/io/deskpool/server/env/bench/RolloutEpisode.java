package io.deskpool.server.env.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.env.EnvJson;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One simulated rollout episode through one of the env APIs: reset to the bench task, K clicks, evaluate. The
 * dialects differ only in their wire shapes; each call is timed by the caller's {@link Timer}.
 */
abstract class RolloutEpisode {
    static final String TASK = """
            {"id": "bench-echo", "instruction": "Benchmark episode: nothing to do.",
             "config": [{"type": "execute", "parameters": {"command": "echo ready > /tmp/deskpool-bench.txt", "shell": true}}],
             "evaluator": {"func": "check_include_exclude",
                           "result": {"type": "vm_command_line", "command": "cat /tmp/deskpool-bench.txt", "shell": true},
                           "expected": {"type": "rule", "rules": {"include": ["ready"], "exclude": []}}}}""";

    /** Times one call under a name (reset, step, evaluate, close). */
    interface Timer {
        JsonNode time(String what, java.util.function.Supplier<JsonNode> call);
    }

    final EnvClient client;
    final BenchOptions options;

    RolloutEpisode(EnvClient client, BenchOptions options) {
        this.client = client;
        this.options = options;
    }

    static RolloutEpisode of(String dialect, EnvClient client, BenchOptions o, int worker) {
        return switch (dialect) {
            case "native" -> new NativeEpisode(client, o);
            case "arpo" -> new RemoteEpisode(client, o, "/slots/" + worker, false, worker);
            case "envs" -> new RemoteEpisode(client, o, "", true, worker);
            default -> throw new IllegalArgumentException("unknown dialect " + dialect);
        };
    }

    /** Runs one episode; returns normally only when it scored 1.0. */
    abstract void run(Timer timer);

    static ObjectNode task() {
        try {
            return (ObjectNode) EnvJson.MAPPER.readTree(TASK);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static int[] randomPoint() {
        return new int[]{ThreadLocalRandom.current().nextInt(50, 1000), ThreadLocalRandom.current().nextInt(50, 600)};
    }

    static void expectFullScore(double score) {
        if (score != 1.0) {
            throw new IllegalStateException("the bench task scored " + score + ", expected 1.0");
        }
    }

    /** {@code /v1/sessions}: create (with reset), K pyautogui clicks, evaluate, close. */
    static final class NativeEpisode extends RolloutEpisode {
        NativeEpisode(EnvClient client, BenchOptions o) {
            super(client, o);
        }

        @Override
        void run(Timer timer) {
            ObjectNode create = EnvJson.MAPPER.createObjectNode();
            create.set("task_config", task());
            create.put("max_steps", Math.max(1, options.steps() + 1));
            JsonNode r = timer.time("reset", () -> client.postWithRetryOn503("/v1/sessions", create, Duration.ofMinutes(20)));
            String id = r.path("session").path("session_id").asText();
            try {
                for (int i = 0; i < options.steps(); i++) {
                    int[] p = randomPoint();
                    ObjectNode step = EnvJson.MAPPER.createObjectNode();
                    step.put("action", "pyautogui.click(" + p[0] + ", " + p[1] + ")");
                    step.put("pause", options.stepPause().toMillis() / 1000.0);
                    timer.time("step", () -> client.post("/v1/sessions/" + id + "/step", step, Duration.ofSeconds(120)));
                }
                JsonNode e = timer.time("evaluate", () -> client.post("/v1/sessions/" + id + "/evaluate",
                        EnvJson.MAPPER.createObjectNode(), Duration.ofSeconds(300)));
                expectFullScore(e.path("score").asDouble());
            } finally {
                timer.time("close", () -> client.delete("/v1/sessions/" + id, Duration.ofSeconds(60)));
            }
        }
    }

    /**
     * The ARPO/ENVS remote env format: reset, K UI-TARS clicks (as a model would answer), evaluate. The slot gives
     * its VM back when evaluated, so there is no close. ARPO workers each have their base URL {@code /slots/k};
     * ENVS workers send {@code slot_id}.
     */
    static final class RemoteEpisode extends RolloutEpisode {
        private final String base;
        private final boolean envs;
        private final int slot;

        RemoteEpisode(EnvClient client, BenchOptions o, String base, boolean envs, int slot) {
            super(client, o);
            this.base = base;
            this.envs = envs;
            this.slot = slot;
        }

        private ObjectNode body() {
            ObjectNode b = EnvJson.MAPPER.createObjectNode();
            if (envs) {
                b.put("slot_id", slot);
            }
            return b;
        }

        @Override
        void run(Timer timer) {
            ObjectNode reset = body();
            reset.set("task_config", task());
            JsonNode r = timer.time("reset", () -> client.postWithRetryOn503(base + "/env/reset", reset, Duration.ofSeconds(1200)));
            if (r.path("is_done").asBoolean(true) || !r.path("obs_messages").isArray()) {
                throw new IllegalStateException("reset answered is_done without observations: " + r);
            }
            for (int i = 0; i < options.steps(); i++) {
                int[] p = randomPoint();
                ObjectNode step = body();
                step.put("prediction", String.format(Locale.ROOT,
                        "Thought: The bench clicks somewhere.\nAction: click(start_box='(%d,%d)')", p[0] / 2, p[1] / 2));
                JsonNode s = timer.time("step", () -> client.post(base + "/env/step", step, Duration.ofSeconds(300)));
                if (s.path("format_reward").asDouble() != 0.0) {
                    throw new IllegalStateException("a bench prediction was not parsed: " + s.path("format_reward"));
                }
            }
            JsonNode e = timer.time("evaluate", () -> client.post(base + "/env/evaluate", body(), Duration.ofSeconds(300)));
            expectFullScore(envs ? e.path("score").asDouble() : e.asDouble());
        }
    }
}
