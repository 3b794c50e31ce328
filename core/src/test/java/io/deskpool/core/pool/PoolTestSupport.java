package io.deskpool.core.pool;

import io.deskpool.core.testing.InMemoryProvider;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.fail;

/** What the pool tests share: a small config and waiting for the pool's own threads. */
final class PoolTestSupport {
    static final Duration LONG = Duration.ofSeconds(20);

    private PoolTestSupport() {
    }

    /** No backoff, no housekeeping or health schedule: the tests drive both by hand. */
    static PoolConfig config(int size, int warm, int bootConcurrency) {
        return new PoolConfig(size, warm, bootConcurrency, Duration.ofMinutes(10), Duration.ofSeconds(30),
                InMemoryProvider.SNAPSHOT, ReconcilePolicy.ADOPT, Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    /** As {@link #config} with warm VMs checked before hand-out (health checks run only when a test asks). */
    static PoolConfig watched(int size, int warm) {
        return config(size, warm, 2).withHealth(Duration.ZERO, Duration.ofSeconds(2));
    }

    static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }
}
