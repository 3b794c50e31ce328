package io.deskpool.core.pool;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.settings.CoreSettings;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.Provider;

import java.time.Duration;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * How the pool behaves.
 *
 * @param poolSize         most VMs at once (M), including ones booting, reverting or being destroyed
 * @param warmTarget       spare ready VMs to keep when the pool has room
 * @param bootConcurrency  most cold boots at once
 * @param leaseTtl         how long a lease lives without a heartbeat
 * @param readyTimeout     how long a boot may take to become ready
 * @param snapshot         what a released VM reverts to
 * @param reconcile        what to do at start with VMs from an earlier run
 * @param bootBackoff      first delay before a boot after a failed boot or revert; doubles up to {@code maxBootBackoff}
 * @param housekeeping     how often expired leases are reclaimed and the pool refilled; zero = only on demand
 * @param healthInterval   how often every VM's health is checked; zero = never on a schedule
 * @param healthTimeout    how long one health check may take; zero = no check before a warm VM is handed out
 * @param idleRetire       how long a spare above {@code warmTarget} may stay idle before it is destroyed; zero = never
 * @param breakerThreshold failed boots or reverts in a row that open the circuit breaker (one trial boot at a time)
 */
public record PoolConfig(
        int poolSize,
        int warmTarget,
        int bootConcurrency,
        Duration leaseTtl,
        Duration readyTimeout,
        String snapshot,
        ReconcilePolicy reconcile,
        Duration bootBackoff,
        Duration maxBootBackoff,
        Duration housekeeping,
        Duration healthInterval,
        Duration healthTimeout,
        Duration idleRetire,
        int breakerThreshold) {

    public static final int DEFAULT_BREAKER_THRESHOLD = 5;

    public PoolConfig {
        requireNonNull(leaseTtl, "leaseTtl is null");
        requireNonNull(readyTimeout, "readyTimeout is null");
        requireNonNull(snapshot, "snapshot is null");
        requireNonNull(reconcile, "reconcile is null");
        requireNonNull(bootBackoff, "bootBackoff is null");
        requireNonNull(maxBootBackoff, "maxBootBackoff is null");
        requireNonNull(housekeeping, "housekeeping is null");
        requireNonNull(healthInterval, "healthInterval is null");
        requireNonNull(healthTimeout, "healthTimeout is null");
        requireNonNull(idleRetire, "idleRetire is null");
        if (poolSize < 1) {
            throw bad("pool size must be >= 1, got " + poolSize);
        }
        if (warmTarget < 0 || warmTarget > poolSize) {
            throw bad("warm spares must be between 0 and the pool size (" + poolSize + "), got " + warmTarget);
        }
        if (bootConcurrency < 1) {
            throw bad("boot concurrency must be >= 1, got " + bootConcurrency);
        }
        for (var d : List.of(leaseTtl, readyTimeout)) {
            if (d.isNegative() || d.isZero()) {
                throw bad("lease TTL and ready timeout must be positive, got " + d);
            }
        }
        for (var d : List.of(bootBackoff, maxBootBackoff, housekeeping, healthInterval, healthTimeout, idleRetire)) {
            if (d.isNegative()) {
                throw bad("backoff, housekeeping, health and idle intervals must not be negative, got " + d);
            }
        }
        if (breakerThreshold < 1) {
            throw bad("the circuit breaker threshold must be >= 1, got " + breakerThreshold);
        }
        if (snapshot.isBlank()) {
            throw bad("snapshot name must not be empty");
        }
    }

    /** No health checks, no idle retirement, the default breaker: the pool as it was before VMs were watched. */
    public PoolConfig(int poolSize, int warmTarget, int bootConcurrency, Duration leaseTtl, Duration readyTimeout,
                      String snapshot, ReconcilePolicy reconcile, Duration bootBackoff, Duration maxBootBackoff,
                      Duration housekeeping) {
        this(poolSize, warmTarget, bootConcurrency, leaseTtl, readyTimeout, snapshot, reconcile, bootBackoff,
                maxBootBackoff, housekeeping, Duration.ZERO, Duration.ZERO, Duration.ZERO, DEFAULT_BREAKER_THRESHOLD);
    }

    /** The pool's settings (POOL_SIZE, POOL_WARM, BOOT_CONCURRENCY, LEASE_TTL, ...) with the provider's defaults. */
    public static PoolConfig from(Settings settings, Provider provider) {
        int size = settings.integer(CoreSettings.POOL_SIZE, 1);
        int warm = settings.integer(CoreSettings.POOL_WARM, 0);
        if (warm > size) {
            throw settings.invalid(CoreSettings.POOL_WARM, String.valueOf(warm), "at most POOL_SIZE (" + size + ")");
        }
        Duration ready = settings.optionalString(CoreSettings.VM_READY_TIMEOUT).isPresent()
                ? settings.seconds(CoreSettings.VM_READY_TIMEOUT, Duration.ofSeconds(1))
                : provider.defaultReadyTimeout();
        String policy = settings.choice(CoreSettings.RECONCILE, List.of("adopt", "destroy"));
        return new PoolConfig(size, warm,
                settings.integer(CoreSettings.BOOT_CONCURRENCY, 1),
                settings.seconds(CoreSettings.LEASE_TTL, Duration.ofSeconds(1)),
                ready,
                settings.optionalString(CoreSettings.SNAPSHOT_NAME).orElse(provider.defaultSnapshot()),
                policy.equals("adopt") ? ReconcilePolicy.ADOPT : ReconcilePolicy.DESTROY,
                Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(1),
                settings.seconds(CoreSettings.HEALTH_INTERVAL, Duration.ZERO),
                settings.seconds(CoreSettings.HEALTH_TIMEOUT, Duration.ZERO),
                settings.seconds(CoreSettings.POOL_IDLE_RETIRE, Duration.ZERO),
                settings.integer(CoreSettings.BREAKER_FAILURES, 1));
    }

    public PoolConfig withHousekeeping(Duration interval) {
        return new PoolConfig(poolSize, warmTarget, bootConcurrency, leaseTtl, readyTimeout, snapshot, reconcile,
                bootBackoff, maxBootBackoff, interval, healthInterval, healthTimeout, idleRetire, breakerThreshold);
    }

    public PoolConfig withHealth(Duration interval, Duration timeout) {
        return new PoolConfig(poolSize, warmTarget, bootConcurrency, leaseTtl, readyTimeout, snapshot, reconcile,
                bootBackoff, maxBootBackoff, housekeeping, interval, timeout, idleRetire, breakerThreshold);
    }

    public PoolConfig withIdleRetire(Duration idle) {
        return new PoolConfig(poolSize, warmTarget, bootConcurrency, leaseTtl, readyTimeout, snapshot, reconcile,
                bootBackoff, maxBootBackoff, housekeeping, healthInterval, healthTimeout, idle, breakerThreshold);
    }

    public PoolConfig withBreaker(int threshold, Duration firstBackoff, Duration maxBackoff) {
        return new PoolConfig(poolSize, warmTarget, bootConcurrency, leaseTtl, readyTimeout, snapshot, reconcile,
                firstBackoff, maxBackoff, housekeeping, healthInterval, healthTimeout, idleRetire, threshold);
    }

    private static DeskpoolException bad(String message) {
        return new DeskpoolException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
