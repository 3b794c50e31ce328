package io.deskpool.core.pool;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;

import java.time.Instant;
import java.util.LinkedHashMap;

import static java.util.Objects.requireNonNull;

/** A lease whose VM died under it (its process ended, or it stopped answering); the client's next call is told so. */
public record LostLease(String leaseId, String vmId, String token, Instant lostAt, String reason) {
    public LostLease {
        requireNonNull(leaseId, "leaseId is null");
        requireNonNull(vmId, "vmId is null");
        requireNonNull(token, "token is null");
        requireNonNull(lostAt, "lostAt is null");
        requireNonNull(reason, "reason is null");
    }

    /** The {@code VM_LOST} error a call on this lease gets. */
    public DeskpoolException error() {
        var details = new LinkedHashMap<String, String>();
        details.put("lease_id", leaseId);
        details.put("vm_id", vmId);
        details.put("state", "lost");
        details.put("lost_at", lostAt.toString());
        details.put("reason", reason);
        return new DeskpoolException(ErrorCode.VM_LOST, "lease '" + leaseId + "' lost its VM " + vmId + " at " + lostAt
                + ": " + reason + "; the VM is being replaced, acquire a new lease", details, null);
    }
}
