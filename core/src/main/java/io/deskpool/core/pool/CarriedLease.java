package io.deskpool.core.pool;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/**
 * A lease an earlier run of this server granted, read back at start: its VM, if the start adopts it, stays leased
 * to the same client under the same lease id (a client that drives its VM directly may not even have noticed the
 * restart); if its VM is gone, the lease is lost and the client is told so on its next call.
 */
public record CarriedLease(String leaseId, String vmId, String token, Instant grantedAt) {
    public CarriedLease {
        requireNonNull(leaseId, "leaseId is null");
        requireNonNull(vmId, "vmId is null");
        requireNonNull(token, "token is null");
        requireNonNull(grantedAt, "grantedAt is null");
    }
}
