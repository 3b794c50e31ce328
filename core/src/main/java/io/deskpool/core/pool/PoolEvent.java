package io.deskpool.core.pool;

import java.time.Duration;
import java.util.List;

/** Something that happened in the pool, for the server to show and count. Delivered after the pool's lock is released. */
public sealed interface PoolEvent {
    record LeaseGranted(Lease lease, Duration waited) implements PoolEvent {
    }

    record LeaseEnded(Lease lease, LeaseEndReason reason) implements PoolEvent {
    }

    /** {@code from} is null for a VM that just entered the pool; {@code to} is null for one that left it. */
    record VmStateChanged(String vmId, VmState from, VmState to, String detail) implements PoolEvent {
    }

    /** A VM died: its process or container ended, or it failed its health checks. {@code leaseId} is empty for an idle VM. */
    record VmLost(String vmId, String leaseId, String detail) implements PoolEvent {
    }

    record QuotaRejected(String token, int inUse, int limit) implements PoolEvent {
    }

    record AcquireTimedOut(String token, Duration waited) implements PoolEvent {
    }

    /** A fork of {@code parentVmId} into {@code copies} ended (leased to the parent's token when it succeeded). */
    record ForkFinished(String parentVmId, List<String> copies, boolean succeeded, Duration took, String detail)
            implements PoolEvent {
        public ForkFinished {
            copies = List.copyOf(copies);
        }
    }

    record BootFinished(String vmId, boolean succeeded, Duration took, String detail) implements PoolEvent {
    }

    record RevertFinished(String vmId, boolean succeeded, String path, Duration took, String detail) implements PoolEvent {
    }
}
