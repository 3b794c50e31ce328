package io.deskpool.core.pool;

/** Where a pooled VM is in its life. */
public enum VmState {
    /** Launched and waiting for readiness (a cold boot). */
    BOOTING,
    /** A copy of a leased VM being made by a fork; leased to the forking token once it is ready and checked. */
    FORKING,
    /** Ready and clean, waiting for a client. */
    WARM,
    /** Ready, taken off the spares for a moment to check its health (before a hand-out, or by the health monitor). */
    CHECKING,
    /** Held by a lease. */
    LEASED,
    /** Going back to its clean snapshot after a lease ended. */
    REVERTING,
    /** Failed (boot, revert, readiness, or marked by its client); quarantined until destroyed. */
    BROKEN,
    /** Being destroyed. */
    DESTROYING
}
