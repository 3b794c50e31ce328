package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.VmPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A fork of an episode: the session's VM is forked in the pool ({@link VmPool#fork}) and each copy goes to a
 * session that carries the episode on from where it stands (task, step count, limits, transcript) and is evaluated
 * on its own. The copies are new sessions, or a collector's slots, whose VMs (when they hold one) make way for the
 * copies. Called with the locks of every session involved held.
 */
final class EpisodeFork {
    private static final Logger log = LoggerFactory.getLogger(EpisodeFork.class);

    private final VmPool pool;
    private final EnvSessions sessions;
    private final SessionLeases leases;
    private final Executor guestExecutor;

    EpisodeFork(VmPool pool, EnvSessions sessions, SessionLeases leases, Executor guestExecutor) {
        this.pool = pool;
        this.sessions = sessions;
        this.leases = leases;
        this.guestExecutor = guestExecutor;
    }

    /** Forks {@code parent}'s episode into {@code targets} (none of them the parent). */
    void run(EnvSession parent, List<EnvSession> targets) {
        if (parent.task == null) {
            throw EnvFailure.NOT_RESET.exception("env session " + parent.id + " has no episode to fork"
                    + (parent.note.isEmpty() ? "" : " (" + parent.note + ")") + ": reset it first");
        }
        leases.renew(parent);
        long start = System.nanoTime();
        // The targets' own VMs make way; a lease the pool already ended is simply dropped.
        var replacing = new ArrayList<Lease>();
        for (EnvSession t : targets) {
            if (t.lease != null) {
                sessions.unbind(t.lease);
                if (t.leaseEnded == null) {
                    replacing.add(t.lease);
                } else {
                    t.detach();
                }
            }
        }
        List<Lease> copies;
        try {
            copies = pool.fork(parent.lease.id(), parent.owner, targets.size(), pool.config().readyTimeout(),
                    replacing.stream().map(Lease::id).toList());
        } catch (DeskpoolException e) {
            for (EnvSession t : targets) {
                if (t.lease == null) {
                    continue;
                }
                if (pool.lease(t.lease.id()).isPresent()) {
                    sessions.bind(t, t.lease);
                } else {
                    t.detach();
                    t.clearEpisode();
                    t.note = "its VM was given back for a fork of env session " + parent.id + " that failed: "
                            + e.getMessage();
                }
            }
            throw e;
        }
        for (int i = 0; i < targets.size(); i++) {
            EnvSession t = targets.get(i);
            Lease lease = copies.get(i);
            t.detach();
            carryOn(parent, t);
            t.attach(lease, new GuestClient(lease.vm().requireEndpoints(), guestExecutor));
            sessions.bind(t, lease);
        }
        log.info("Env session {} (task '{}', step {}) forked into {} in {} ms", parent.id, parent.task.id(),
                parent.steps, targets.stream().map(t -> t.id).toList(), (System.nanoTime() - start) / 1_000_000);
    }

    /** The copy's episode goes on from the parent's: same task, step count, limits and transcript, no score yet. */
    private static void carryOn(EnvSession parent, EnvSession copy) {
        copy.clearEpisode();
        copy.startEpisode(parent.task, parent.maxSteps, parent.a11y);
        copy.steps = parent.steps;
        copy.done = parent.done;
        copy.lastAction = parent.lastAction;
        copy.screen = parent.screen;
        copy.transcript = parent.transcript;
        copy.note = "";
    }
}
