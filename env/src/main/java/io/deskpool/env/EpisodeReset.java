package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.VmPool;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.env.eval.Evaluation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * A reset: the session gives back its VM (the pool reverts it in the background) and takes a clean one, which is
 * a warm spare when there is one; waiting resets queue first come first served. Then the VM's reachability, the
 * task's setup steps and the first observation. Keeping reverts, their failures and any new VM handle a revert
 * produces (EC2 relaunch) inside the pool keeps this simple; the session id stays, the VM id may change.
 */
final class EpisodeReset {
    private static final Logger log = LoggerFactory.getLogger(EpisodeReset.class);

    private final VmPool pool;
    private final QuotaQueue quota;
    private final EnvConfig config;
    private final EnvSessions sessions;
    private final SessionLeases leases;
    private final SetupRunner setup;
    private final Evaluation evaluation;
    private final Executor guestExecutor;
    private final JpegEncoder jpeg;

    EpisodeReset(VmPool pool, QuotaQueue quota, EnvConfig config, EnvSessions sessions, SessionLeases leases,
                 SetupRunner setup, Evaluation evaluation, Executor guestExecutor, JpegEncoder jpeg) {
        this.pool = pool;
        this.quota = quota;
        this.config = config;
        this.sessions = sessions;
        this.leases = leases;
        this.setup = setup;
        this.evaluation = evaluation;
        this.guestExecutor = guestExecutor;
        this.jpeg = jpeg;
    }

    /**
     * Resets {@code s} (its lock held). {@code arrivedNanos}: when the request came in; a retried reset that waited
     * behind an identical one which finished meanwhile gets that one's result instead of a second reset.
     */
    ResetResult run(EnvSession s, TaskConfig task, ResetOptions opts, long arrivedNanos) {
        EnvSession.LastReset last = s.lastReset;
        if (last != null && last.finishedNanos() > arrivedNanos && last.task().raw().equals(task.raw())
                && s.lease != null && s.steps == 0 && s.evaluation == null) {
            log.info("Env session {}: a retried reset of task '{}' gets the reset that finished while it waited", s.id, task.id());
            return last.result().asRepeat(s.publish());
        }
        try {
            return reset(s, task, opts);
        } catch (RuntimeException e) {
            // A half-set-up VM helps no one: it goes back to be reverted, and the session says why it has none.
            leases.release(s);
            s.clearEpisode();
            // What the session says now is that its reset failed (NO_VM), even when a VM was lost on the way.
            s.vmLost = false;
            s.note = "the last reset failed: " + e.getMessage();
            throw e;
        }
    }

    private ResetResult reset(EnvSession s, TaskConfig task, ResetOptions opts) {
        long t0 = System.nanoTime();
        leases.release(s);
        s.clearEpisode();
        s.note = "";
        s.releasedIdle = false;
        Lease lease = quota.acquire(s.owner, opts.resetWait().orElse(config.resetWait()));
        VmEndpoints endpoints;
        try {
            endpoints = lease.vm().requireEndpoints();
        } catch (IllegalStateException e) {
            pool.markBroken(lease.id(), s.owner, "no endpoints");
            throw EnvFailure.VM_NOT_READY.exception("the VM handed out has no endpoints yet; retry the reset", e);
        }
        s.attach(lease, new GuestClient(endpoints, guestExecutor));
        sessions.bind(s, lease);
        long acquired = System.nanoTime();
        Deadline d = Deadline.after(config.resetTimeout());
        List<SetupReport> reports;
        Optional<Observation> observation = Optional.empty();
        try {
            s.guest.awaitReachable(config.readyTimeout(), d);
            reports = setup.run(task.config(), s.owner, s.guest, d);
            s.startEpisode(task, opts.maxSteps().orElse(config.maxSteps()), opts.a11y());
            // Taken even when the caller does not want it: its size is the screen the action parsers map points to.
            observation = Optional.of(Observations.take(s, d, s.a11y));
        } catch (GuestException e) {
            throw EnvFailure.VM_NOT_READY.exception(leases.lose(s, e, "reset") + "; retry the reset", e);
        }
        if (s.slotLike) {
            s.transcript = new EpisodeTranscript(task.instruction(),
                    Optional.of(jpeg.encode(observation.orElseThrow().screenshot().png())), List.of());
        }
        Optional<String> problem = task.evaluator().flatMap(spec -> {
            try {
                evaluation.plan(spec);
                return Optional.empty();
            } catch (DeskpoolException e) {
                return Optional.of(e.getMessage());
            }
        });
        long done = System.nanoTime();
        ResetResult r = new ResetResult(s.publish(), task.instruction(), opts.observe() ? observation : Optional.empty(), reports,
                Duration.ofNanos(acquired - t0), Duration.ofNanos(done - acquired), problem, false);
        s.lastReset = new EnvSession.LastReset(task, r, System.nanoTime());
        log.info("Env session {} reset on VM {} (task '{}', {} setup steps, {} s)", s.id, lease.vmId(), task.id(),
                reports.size(), Math.round((done - t0) / 1e6) / 1000.0);
        return r;
    }
}
