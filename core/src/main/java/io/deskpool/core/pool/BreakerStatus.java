package io.deskpool.core.pool;

import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The boot circuit breaker as the dashboard shows it: {@code CLOSED} (boots run, perhaps after a short backoff),
 * {@code OPEN} (too many failures in a row: no boot until {@code retryAt}), {@code HALF_OPEN} (one trial boot at a
 * time until one succeeds).
 */
public record BreakerStatus(State state, int failures, int threshold, String lastFailure, Optional<Instant> retryAt) {
    public enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    public BreakerStatus {
        requireNonNull(state, "state is null");
        requireNonNull(lastFailure, "lastFailure is null");
        requireNonNull(retryAt, "retryAt is null");
    }
}
