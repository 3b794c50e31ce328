package io.deskpool.core.pool;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/** A VM whose destroy failed and is retried with backoff, for the dashboard. */
public record FailedDestroy(String vmId, int attempts, String lastError, Instant nextAttempt) {
    public FailedDestroy {
        requireNonNull(vmId, "vmId is null");
        requireNonNull(lastError, "lastError is null");
        requireNonNull(nextAttempt, "nextAttempt is null");
    }
}
