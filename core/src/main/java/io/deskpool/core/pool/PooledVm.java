package io.deskpool.core.pool;

import io.deskpool.core.spi.VmHandle;

import java.time.Instant;
import java.util.Optional;

/** One VM's entry in the pool. Mutable, and only ever touched under the pool's lock. */
final class PooledVm {
    final String id;
    final Instant createdAt;
    VmHandle handle;
    VmState state;
    Instant stateSince;
    Lease lease;
    int reverts;
    int destroyAttempts;
    /** When a failed destroy is tried again. */
    Instant nextDestroyAt = Instant.MIN;
    /** Since when it has been a spare nobody used (kept across health checks). */
    Instant idleSince;
    /** A health check of this VM is in flight. */
    boolean checkRunning;
    /** A destroy call is in flight on a pool thread. */
    boolean destroyRunning;
    String lastError = "";
    /** Destroy rather than reuse when the current boot or revert finishes (admin stop, pool shrink). */
    boolean destroyWhenIdle;
    /** A fork's copy not reverted since: released while the pool has its spares, it is destroyed instead. */
    boolean forked;
    /** Forks of this VM in flight: the VM stands still for a moment, so its health checks wait. */
    int forksRunning;

    PooledVm(String id, VmHandle handle, VmState state, Instant now) {
        this.id = id;
        this.handle = handle;
        this.state = state;
        this.createdAt = handle != null ? handle.createdAt() : now;
        this.stateSince = now;
        this.idleSince = now;
    }

    VmView view() {
        return new VmView(id, state, Optional.ofNullable(handle), Optional.ofNullable(lease), createdAt, stateSince,
                reverts, lastError);
    }
}
