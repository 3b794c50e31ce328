package io.deskpool.server;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What a live view was allowed for: one VM, seen by the holder of one lease on it, or by the admin (no lease).
 * A ticket carries it to the WebSocket, and an open relay keeps it, so both can be checked again later: a view
 * lasts only as long as the lease it was granted through. {@code token} is the caller's, kept in memory only
 * (never shown: {@link #toString} and logs use {@code holder}, its label).
 */
record ViewGrant(String vmId, Optional<String> leaseId, String token, String holder) {
    ViewGrant {
        requireNonNull(vmId, "vmId is null");
        requireNonNull(leaseId, "leaseId is null");
        requireNonNull(token, "token is null");
        requireNonNull(holder, "holder is null");
    }

    static ViewGrant ofLease(String vmId, String leaseId, String token, String holder) {
        return new ViewGrant(vmId, Optional.of(leaseId), token, holder);
    }

    static ViewGrant ofAdmin(String vmId, String token) {
        return new ViewGrant(vmId, Optional.empty(), token, "admin");
    }

    @Override
    public String toString() {
        return "ViewGrant[vmId=" + vmId + ", leaseId=" + leaseId.orElse("(admin)") + ", holder=" + holder + "]";
    }
}
