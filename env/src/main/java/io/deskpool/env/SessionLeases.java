package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.LeaseEndReason;
import io.deskpool.core.pool.LostLease;
import io.deskpool.core.pool.VmPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

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

    /** The session's lease, renewed; a session without one is told why it has none. */
    void renew(EnvSession s) {
        if (s.lease == null) {
            throw noVm(s);
        }
        LeaseEndReason ended = s.leaseEnded;
        if (ended == null) {
            try {
                s.lease = pool.heartbeat(s.lease.id(), s.owner);
                return;
            } catch (DeskpoolException e) {
                if (e.code() == ErrorCode.VM_LOST) {
                    ended = LeaseEndReason.VM_LOST;
                } else if (e.code() != ErrorCode.UNKNOWN_LEASE) {
                    throw e;
                } else {
                    ended = s.leaseEnded == null ? LeaseEndReason.EXPIRED : s.leaseEnded;
                }
            }
        }
        String vm = s.lease.vmId();
        String leaseId = s.lease.id();
        sessions.unbind(s.lease);
        s.detach();
        if (ended == LeaseEndReason.VM_LOST) {
            s.vmLost = true;
            s.note = "VM " + vm + " died: " + pool.lostLease(leaseId).map(LostLease::reason).orElse("vm_lost");
        } else {
            s.note = "VM " + vm + " was taken away: " + ended.name().toLowerCase(Locale.ROOT);
        }
        throw EnvFailure.VM_LOST.exception("the session's " + s.note + "; reset the session to get a new VM");
    }

    /** Why a session has no VM, as the failure its caller gets. */
    static DeskpoolException noVm(EnvSession s) {
        if (s.releasedIdle) {
            return EnvFailure.VM_RELEASED.exception(s.note + "; reset the session to get a clean VM");
        }
        if (!s.note.isEmpty() && s.task != null) {
            return EnvFailure.VM_LOST.exception("the session has no VM any more (" + s.note + "); reset it to get a new one");
        }
        return EnvFailure.NOT_RESET.exception("the session has no episode" + (s.note.isEmpty() ? "" : " (" + s.note + ")")
                + ": reset it first");
    }

    /** The VM stopped answering: it goes back to the pool as broken (destroyed and replaced); says what happened. */
    String lose(EnvSession s, GuestException e, String during) {
        Lease lease = s.lease;
        String vm = lease == null ? "?" : lease.vmId();
        sessions.unbind(lease);
        s.detach();
        s.done = true;
        s.vmLost = true;
        if (lease != null) {
            try {
                pool.markBroken(lease.id(), s.owner, "env " + during + ": " + e.getMessage());
            } catch (DeskpoolException ignored) {
                // already gone
            }
        }
        s.note = "VM " + vm + " stopped answering during " + during + ": " + e.getMessage();
        log.warn("Env session {}: {}; the VM is being replaced", s.id, s.note);
        return s.note + "; it was marked broken and is being replaced";
    }

    DeskpoolException vmLost(EnvSession s, GuestException e, String during, Deadline d) {
        boolean late = e.kind() == GuestException.Kind.TIMEOUT && d.expired();
        String why = lose(s, e, during);
        EnvFailure f = late ? EnvFailure.DEADLINE_EXCEEDED : EnvFailure.VM_LOST;
        return f.exception((late ? during + " missed its deadline of " + d.budget().toSeconds() + " s; " : "") + why
                + "; reset the session to continue", e);
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
            pool.release(lease.id(), s.owner);
        } catch (DeskpoolException e) {
            log.debug("Releasing lease {} of session {}: {}", lease.id(), s.id, e.getMessage());
        }
    }

    /** Keeps an idle session's lease alive between calls; false when the pool no longer has it. */
    boolean keepAlive(EnvSession s) {
        Lease lease = s.lease;
        if (lease == null || s.leaseEnded != null) {
            return false;
        }
        try {
            s.lease = pool.heartbeat(lease.id(), s.owner);
            return true;
        } catch (DeskpoolException e) {
            return false;
        }
    }
}
