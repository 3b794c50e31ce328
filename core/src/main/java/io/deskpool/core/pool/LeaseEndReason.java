package io.deskpool.core.pool;

/** Why a lease ended. */
public enum LeaseEndReason {
    RELEASED,
    EXPIRED,
    MARKED_BROKEN,
    VM_STOPPED,
    /** The VM died under the lease (its process ended or it stopped answering); the client is told with a 410. */
    VM_LOST,
    POOL_CLOSED
}
