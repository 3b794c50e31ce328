package io.deskpool.server.env;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.pool.PoolEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A trainer whose reset timed out retries it (ENVS: after 300 s, twice) while the first one still waits for a VM.
 * The retry waits behind the first and gets its episode, instead of giving back the VM the first one got and
 * queueing again at the back. One VM, quota 1, real QEMU guest.
 */
class ResetRetryTest {
    private static RemoteEnvTestBed bed;
    private static final AtomicInteger grants = new AtomicInteger();

    @BeforeAll
    static void start() {
        bed = new RemoteEnvTestBed(1, 1, 1, Map.of());
        bed.server.pool().addListener(e -> {
            if (e instanceof PoolEvent.LeaseGranted) {
                grants.incrementAndGet();
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
    void a_retried_reset_that_waited_behind_an_identical_one_gets_that_episode_without_a_second_vm() throws Exception {
        EnvsEnvClient holder = new EnvsEnvClient(0, bed.envUrl(), 0);
        holder.reset(RemoteEnvTestBed.typedTask("holder", "x", "zzz"));
        var task = RemoteEnvTestBed.typedTask("retried", "retried", "zzz");
        String body = RemoteEnvHttp.json(Map.of("task_config", task, "slot_id", 1));
        EnvCalls http = new EnvCalls(bed.envUrl());

        CompletableFuture<EnvCalls.Reply> first = CompletableFuture.supplyAsync(() -> http.post("/env/reset", null, body));
        RemoteEnvTestBed.eventually("the first reset waits for the quota", () -> health().path("resets_waiting_for_quota").asInt() == 1, 60);
        CompletableFuture<EnvCalls.Reply> retry = CompletableFuture.supplyAsync(() -> http.post("/env/reset", null, body));
        RemoteEnvTestBed.eventually("the retry waits behind the first", () -> health().path("calls_waiting_for_a_session").asInt() == 1, 60);
        int grantsBefore = grants.get();
        holder.evaluate();

        JsonNode a = first.get(5, TimeUnit.MINUTES).ok().json();
        JsonNode b = retry.get(5, TimeUnit.MINUTES).ok().json();

        assertThat(grants.get() - grantsBefore).as("VMs handed out for slot 1").isEqualTo(1);
        assertThat(b.path("obs_messages")).isEqualTo(a.path("obs_messages"));
        assertThat(b.path("is_done").asBoolean()).isFalse();
    }

    private static JsonNode health() {
        return new EnvCalls(bed.envUrl()).get("/health", null).ok().json();
    }
}
