package io.deskpool.core.pool;

import java.time.Duration;
import java.time.Instant;

import static java.util.Objects.requireNonNull;

/**
 * Keeps the pool from spinning on a backend that fails. Every failed boot or revert doubles the wait before the
 * next boot (from {@code firstDelay} up to {@code maxDelay}); after {@code threshold} failures in a row the breaker
 * is open: no boot until the wait is over, then one trial boot at a time (half open) until a boot succeeds and
 * closes it. Not thread-safe: used under the pool's lock.
 */
final class CircuitBreaker {
    private final int threshold;
    private final Duration firstDelay;
    private final Duration maxDelay;
    private int failures;
    private String lastFailure = "";
    private Instant retryAt = Instant.MIN;

    CircuitBreaker(int threshold, Duration firstDelay, Duration maxDelay) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be >= 1, got " + threshold);
        }
        this.threshold = threshold;
        this.firstDelay = requireNonNull(firstDelay, "firstDelay is null");
        this.maxDelay = requireNonNull(maxDelay, "maxDelay is null");
    }

    void failure(String why, Instant now) {
        failures++;
        lastFailure = why;
        retryAt = now.plus(delay());
    }

    /** A boot succeeded: the backend works again. */
    void success() {
        failures = 0;
        retryAt = Instant.MIN;
    }

    /** Whether a boot may start now, with {@code booting} boots already running. */
    boolean allowsBoot(Instant now, int booting) {
        if (failures == 0) {
            return true;
        }
        if (now.isBefore(retryAt)) {
            return false;
        }
        return failures < threshold || booting == 0;
    }

    /** When the next boot may start; {@link Instant#MIN} when now. */
    Instant retryAt() {
        return failures == 0 ? Instant.MIN : retryAt;
    }

    int failures() {
        return failures;
    }

    String lastFailure() {
        return lastFailure;
    }

    BreakerStatus status(Instant now) {
        BreakerStatus.State state = failures < threshold ? BreakerStatus.State.CLOSED
                : now.isBefore(retryAt) ? BreakerStatus.State.OPEN : BreakerStatus.State.HALF_OPEN;
        return new BreakerStatus(state, failures, threshold, lastFailure,
                failures == 0 || !now.isBefore(retryAt) ? java.util.Optional.empty() : java.util.Optional.of(retryAt));
    }

    /** firstDelay, doubled for every failure after the first, capped at maxDelay. */
    private Duration delay() {
        if (firstDelay.isZero()) {
            return Duration.ZERO;
        }
        long millis = firstDelay.toMillis() << Math.min(20, failures - 1);
        return Duration.ofMillis(Math.min(millis, maxDelay.toMillis()));
    }
}
