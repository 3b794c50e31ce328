package io.deskpool.server;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.VmView;

import java.util.Objects;
import java.util.Optional;

/**
 * Who sent a request: the token they presented (if any), whether it is the admin token, and whether it is a token
 * this server knows now (a deleted token owns nothing any more).
 */
record Caller(Optional<String> token, boolean admin, boolean known, TokenRedactor labels) {
    Caller {
        Objects.requireNonNull(token, "token is null");
        Objects.requireNonNull(labels, "labels is null");
    }

    /** The token, or 401 when none was sent. */
    String requireToken() {
        return token.orElseThrow(() -> new DeskpoolException(ErrorCode.UNAUTHENTICATED,
                "a token is required: send it as 'Authorization: Bearer <token>', a JSON field 'token' or ?token="));
    }

    /** The token of a caller this server knows: 401 without one, 403 for a token it does not know (any more). */
    String requireKnownToken() {
        String t = requireToken();
        if (!known) {
            throw new DeskpoolException(ErrorCode.FORBIDDEN, "unknown token");
        }
        return t;
    }

    void requireAdmin(String action) {
        if (token.isEmpty()) {
            throw new DeskpoolException(ErrorCode.UNAUTHENTICATED, action + " needs the admin token");
        }
        if (!admin) {
            throw new DeskpoolException(ErrorCode.FORBIDDEN, action + " needs the admin token");
        }
    }

    /** Whether this caller may see or act on something owned by {@code owner}: the admin, or a known owner. */
    boolean mayActOn(String owner) {
        return admin || (known && token.map(t -> TokenRegistry.sameToken(t, owner)).orElse(false));
    }

    /** Whether this caller may see a VM and its ports: the admin any, a client the VMs it leases (never a spare). */
    boolean maySee(VmView vm) {
        return admin || vm.lease().map(l -> mayActOn(l.token())).orElse(false);
    }

    /** How a token is shown to this caller: in clear when it is theirs (or they are admin), else as its label. */
    String show(String owner) {
        return mayActOn(owner) ? owner : labels.redact(owner);
    }

    String logLabel() {
        return admin ? "admin" : token.map(labels::redact).orElse("");
    }
}
