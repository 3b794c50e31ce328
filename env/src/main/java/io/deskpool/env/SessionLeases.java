package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.LeaseEndReason;
import io.deskpool.core.pool.VmPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;

/**
 * A session's hold on its VM through the pool: renewing the lease on every call, noticing a lease the pool
 * ended on its own, giving the VM back, and handing in a VM that stopped answering so the pool replaces it.
 * Called with the session's lock held.
 */
final class SessionLeases {
    private static final Logger log = LoggerFactory.getLogger(SessionLeases.class);

    private final VmPool pool;
    private final EnvSessions sessions;

    SessionLeases(VmPool pool, EnvSessions sessions) {
        this.pool = pool;
        this.sessions = sessions;
    }

    /** The session's lease, renewed; a lease the pool ended without the session is reported as what it is. */
    void renew(EnvSession s) {
        if (s.lease == null) {
            if (!s.lostReason.isEmpty()) {
                throw new DeskpoolException(ErrorCode.VM_LOST, "the session has no VM any more (" + s.lostReason
                        + "); reset the session to get a new one", Map.of("reason", "vm_lost"), null);
            }
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "the session has no VM: reset it first",
                    Map.of("reason", "not_reset"), null);
        }
        LeaseEndReason ended = s.leaseEnded;
        if (ended == null) {
            try {
                s.lease = pool.heartbeat(s.lease.id(), s.token);
                return;
            } catch (DeskpoolException e) {
                if (e.code() != ErrorCode.UNKNOWN_LEASE) {
                    throw e;
                }
                ended = s.leaseEnded == null ? LeaseEndReason.EXPIRED : s.leaseEnded;
            }
        }
        String vm = s.lease.vmId();
        sessions.unbind(s.lease);
        s.detach();
        s.clearEpisode();
        if (ended == LeaseEndReason.EXPIRED) {
            sessions.remove(s);
            throw new DeskpoolException(ErrorCode.NOT_FOUND, "env session " + s.id + " expired: no call for LEASE_TTL ("
                    + pool.config().leaseTtl().toSeconds() + " s) and its VM was reclaimed; reset without session_id",
                    Map.of("reason", "session_expired"), null);
        }
        s.lostReason = "VM " + vm + " was taken away: " + ended.name().toLowerCase(Locale.ROOT);
        throw new DeskpoolException(ErrorCode.VM_LOST, "the session's " + s.lostReason + "; reset the session to get a new VM",
                Map.of("reason", "vm_lost"), null);
    }

    /** The VM stopped answering: it goes back to the pool as broken (destroyed and replaced); says what happened. */
    String lose(EnvSession s, GuestException e, String during) {
        Lease lease = s.lease;
        String vm = lease == null ? "?" : lease.vmId();
        sessions.unbind(lease);
        s.detach();
        s.done = true;
        if (lease != null) {
            try {
                pool.markBroken(lease.id(), s.token, "env " + during + ": " + e.getMessage());
            } catch (DeskpoolException ignored) {
                // already gone
            }
        }
        s.lostReason = "VM " + vm + " stopped answering during " + during + ": " + e.getMessage();
        log.warn("Env session {}: {}; the VM is being replaced", s.id, s.lostReason);
        return s.lostReason + "; it was marked broken and is being replaced";
    }

    DeskpoolException vmLost(EnvSession s, GuestException e, String during, Deadline d) {
        boolean late = e.kind() == GuestException.Kind.TIMEOUT && d.expired();
        String why = lose(s, e, during);
        return new DeskpoolException(ErrorCode.VM_LOST, (late ? during + " missed its deadline of " + d.budget().toSeconds()
                + " s; " : "") + why + "; reset the session to continue",
                Map.of("reason", late ? "deadline_exceeded" : "vm_lost"), e);
    }

    /** Gives the session's VM back to the pool (to be reverted), unless the pool already took it. */
    void release(EnvSession s) {
        Lease lease = s.lease;
        if (lease == null) {
            return;
        }
        sessions.unbind(lease);
        s.detach();
        if (s.leaseEnded != null) {
            return;
        }
        try {
            pool.release(lease.id(), s.token);
        } catch (DeskpoolException e) {
            log.debug("Releasing lease {} of session {}: {}", lease.id(), s.id, e.getMessage());
        }
    }
}
