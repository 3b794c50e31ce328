package io.deskpool.server.chaos;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Random;

/**
 * A training-side client running env episodes the way an ENVS trainer does (its slot in every body): reset with a
 * task whose setup writes the episode id into the VM, a few UI-TARS predictions, evaluate (which reads the id back
 * and must score 1.0; the answer gives the slot's VM back). An episode whose VM is lost is interrupted (a typed
 * error), and the next one starts.
 */
final class EpisodeClient implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(EpisodeClient.class);
    private static final int STEPS = 3;

    private final String id;
    private final int slot;
    private final String token;
    private final ServerProcess server;
    private final ChaosHttp http;
    private final ChaosLedger ledger;
    private final ChaosClock clock;
    private final Random random;
    private int n;

    EpisodeClient(String id, int slot, String token, ServerProcess server, ChaosHttp http, ChaosLedger ledger, ChaosClock clock,
                  long seed) {
        this.id = id;
        this.slot = slot;
        this.token = token;
        this.server = server;
        this.http = http;
        this.ledger = ledger;
        this.clock = clock;
        this.random = new Random(seed);
    }

    @Override
    public void run() {
        while (clock.running() && !Thread.currentThread().isInterrupted()) {
            try {
                episode();
            } catch (RuntimeException e) {
                log.warn("Chaos episode client {} failed an episode", id, e);
                clock.pause(Duration.ofSeconds(1));
            }
        }
    }

    private void episode() {
        String episode = id + "-" + (++n);
        String task = """
                {"slot_id": %d, "task_config": {"id": "%s", "instruction": "chaos episode",
                 "config": [{"type": "execute", "parameters": {"command": ["sh", "-c", "echo %s > /tmp/deskpool-episode"]}}],
                 "evaluator": {"func": "check_include_exclude",
                   "result": {"type": "vm_command_line", "command": "cat /tmp/deskpool-episode", "shell": true},
                   "expected": {"type": "rule", "rules": {"include": ["%s"], "exclude": []}}}}}"""
                .formatted(slot, episode, episode, episode);
        ChaosHttp.Reply reset = call("/env/reset", task, Duration.ofSeconds(150));
        if (reset.status() != 200) {
            clock.pause(Duration.ofMillis(500 + random.nextInt(1000)));
            return;
        }
        for (int i = 0; i < STEPS; i++) {
            String prediction = "Thought: poke the desktop.\\nAction: click(start_box='(" + (10 + random.nextInt(300)) + ","
                    + (10 + random.nextInt(200)) + ")')";
            ChaosHttp.Reply step = call("/env/step", "{\"slot_id\": " + slot + ", \"prediction\": \"" + prediction + "\"}",
                    Duration.ofSeconds(60));
            if (step.status() != 200 || step.json().path("is_done").asBoolean(true)) {
                ledger.episodesInterrupted.incrementAndGet();
                return;
            }
        }
        ChaosHttp.Reply eval = call("/env/evaluate", "{\"slot_id\": " + slot + "}", Duration.ofSeconds(60));
        if (eval.status() == 200 && eval.json().path("score").asDouble(0) == 1.0) {
            ledger.episodes.incrementAndGet();
        } else {
            ledger.episodesInterrupted.incrementAndGet();
        }
    }

    private ChaosHttp.Reply call(String path, String body, Duration timeout) {
        return http.send("POST", server.baseUrl() + path, token, body, timeout);
    }
}
