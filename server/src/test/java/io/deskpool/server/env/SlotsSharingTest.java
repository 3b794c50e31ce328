package io.deskpool.server.env;

import io.deskpool.core.pool.PoolEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * N workers, M VMs: four unmodified ARPO workers, each on its own base URL /slots/k, share two VMs. The anonymous
 * token's quota (2) bounds how many slots hold a VM although the pool could boot a third; resets beyond it queue
 * until an evaluated slot gives its VM back. Each worker runs two episodes; the second one's task fails if any
 * word typed in a first episode is still on the desktop, so every reset must get a clean VM.
 */
class SlotsSharingTest {
    private static final List<String> FIRST = List.of("alpha", "bravo", "charlie", "delta");
    private static final List<String> SECOND = List.of("echo", "foxtrot", "golf", "hotel");
    private static RemoteEnvTestBed bed;
    private static final AtomicInteger held = new AtomicInteger();
    private static final AtomicInteger mostHeld = new AtomicInteger();
    private static final Set<String> vmsUsed = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() {
        bed = new RemoteEnvTestBed(3, 2, 2, Map.of());
        bed.server.pool().addListener(event -> {
            if (event instanceof PoolEvent.LeaseGranted g && g.lease().token().equals(RemoteEnvTestBed.LAB)) {
                vmsUsed.add(g.lease().vmId());
                mostHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
            } else if (event instanceof PoolEvent.LeaseEnded e && e.lease().token().equals(RemoteEnvTestBed.LAB)) {
                held.decrementAndGet();
            }
        });
    }

    @AfterAll
    static void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void four_arpo_workers_on_two_vms_each_score_their_own_task_on_a_clean_vm() throws Exception {
        List<CompletableFuture<List<Double>>> workers = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            int slot = k;
            workers.add(CompletableFuture.supplyAsync(() -> run(slot)));
        }

        List<List<Double>> scores = new ArrayList<>();
        for (CompletableFuture<List<Double>> w : workers) {
            scores.add(w.get(20, TimeUnit.MINUTES));
        }

        assertThat(scores).allSatisfy(s -> assertThat(s).containsExactly(1.0, 1.0));
        assertThat(mostHeld.get()).as("VMs the token held at once").isEqualTo(2);
        assertThat(vmsUsed).as("the VMs the eight episodes ran on").hasSize(2);
    }

    private static List<Double> run(int slot) {
        ArpoRemoteEnvWorker w = new ArpoRemoteEnvWorker(slot, bed.envUrl() + "/slots/" + slot);
        List<Double> scores = new ArrayList<>();
        for (List<String> round : List.of(FIRST, SECOND)) {
            String mine = round.get(slot);
            List<String> others = new ArrayList<>(FIRST);
            others.addAll(SECOND);
            others.remove(mine);
            var task = Map.of("id", "share-" + mine, "instruction", "Type " + mine + ".",
                    "evaluator", Map.of("func", "check_include_exclude", "result", Map.of("type", "accessibility_tree"),
                            "expected", Map.of("type", "rule", "rules", Map.of("include", List.of(mine), "exclude", others))));
            ArpoRemoteEnvWorker.Answer reset = w.reset(task);
            assertThat(reset.isDone()).as("slot %d reset", slot).isFalse();
            w.step("Thought: type it.\nAction: type(content='" + mine + "')");
            w.step("Action: finished(content='')");
            scores.add(w.evaluate());
        }
        return scores;
    }
}
