package io.deskpool.env;

import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.LeaseEndReason;
import io.deskpool.core.spi.ScreenSize;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import static java.util.Objects.requireNonNull;

/**
 * One client's episode state over a leased VM. Every call on a session holds its lock, so calls on one session
 * run one at a time while sessions run in parallel. Fields other than the final and volatile ones are only touched
 * under the lock.
 */
final class EnvSession {
    final String id;
    final String owner;
    final OptionalInt slot;
    final Instant createdAt;
    /** Slots of the ARPO/ENVS dialect give their VM back once evaluated, and keep a transcript. */
    final boolean slotLike;
    /** Fair, so a reset queued behind a long step goes next. */
    final ReentrantLock lock = new ReentrantLock(true);

    Lease lease;
    GuestClient guest;
    TaskConfig task;
    int steps;
    int maxSteps;
    boolean done;
    String lastAction = "";
    boolean a11y;
    ScreenSize screen;
    volatile EpisodeTranscript transcript = EpisodeTranscript.EMPTY;
    /** The kept evaluation of this episode (slots), so an evaluate retried by its client gets the same score. */
    EvaluationResult evaluation;
    /** The last successful reset, for a retried identical reset that waited behind it. */
    LastReset lastReset;
    /** Why the session has no VM any more, or why its last reset failed ("" when neither). */
    String note = "";
    /** Whether the VM went back to the pool after ENV_IDLE_RELEASE without a call. */
    boolean releasedIdle;
    /** The session's VM died (its lease was told vm_lost); cleared by the next reset. */
    boolean vmLost;

    /** Set by the pool's events when the lease ends without this session ending it. */
    volatile LeaseEndReason leaseEnded;
    volatile Instant lastUsed;
    volatile boolean closed;
    /** Mirrors of locked state for views taken without the lock. */
    private volatile SessionView view;

    /** A reset that finished, and when (monotonic nanos). */
    record LastReset(TaskConfig task, ResetResult result, long finishedNanos) {
    }

    EnvSession(String id, String owner, OptionalInt slot, Instant now, ScreenSize screen) {
        this.id = requireNonNull(id, "id is null");
        this.owner = requireNonNull(owner, "owner is null");
        this.slot = requireNonNull(slot, "slot is null");
        this.slotLike = slot.isPresent();
        this.createdAt = now;
        this.lastUsed = now;
        this.screen = requireNonNull(screen, "screen is null");
        publish();
    }

    /** Takes the session's lock, waiting at most {@code max}; false when another call kept it that long. */
    boolean enter(Duration max) throws InterruptedException {
        return lock.tryLock(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Ends a call: records its time and refreshes the view others read without the lock. */
    void leave(Instant now) {
        lastUsed = now;
        publish();
        lock.unlock();
    }

    void attach(Lease newLease, GuestClient client) {
        this.lease = newLease;
        this.guest = client;
        this.leaseEnded = null;
        this.note = "";
        this.releasedIdle = false;
        this.vmLost = false;
    }

    /** Forgets the VM (after it was released, lost or taken away). */
    void detach() {
        this.lease = null;
        this.guest = null;
    }

    void startEpisode(TaskConfig newTask, int newMaxSteps, boolean withA11y) {
        this.task = newTask;
        this.steps = 0;
        this.maxSteps = newMaxSteps;
        this.done = false;
        this.lastAction = "";
        this.a11y = withA11y;
        this.evaluation = null;
    }

    void clearEpisode() {
        this.task = null;
        this.steps = 0;
        this.done = false;
        this.lastAction = "";
        this.evaluation = null;
        this.lastReset = null;
        this.transcript = EpisodeTranscript.EMPTY;
    }

    SessionView.State state() {
        if (evaluation != null) {
            return SessionView.State.EVALUATED;
        }
        if (vmLost) {
            return SessionView.State.VM_LOST;
        }
        if (lease == null) {
            return task == null && note.isEmpty() && !releasedIdle ? SessionView.State.NEW : SessionView.State.NO_VM;
        }
        if (task == null) {
            return SessionView.State.NEW;
        }
        return done ? SessionView.State.DONE : SessionView.State.RUNNING;
    }

    /** The view as of the last call (or this one, called under the lock). */
    SessionView view() {
        SessionView v = view;
        if (leaseEnded == LeaseEndReason.VM_LOST && v.state() != SessionView.State.VM_LOST) {
            return new SessionView(v.id(), v.owner(), v.slot(), SessionView.State.VM_LOST, Optional.empty(), v.taskId(),
                    v.step(), v.maxSteps(), v.score(), v.createdAt(), v.lastUsed(),
                    "its VM died; the next call says why and a reset gets a new one");
        }
        return v;
    }

    /** Refreshes the view from the locked state; called under the lock. */
    SessionView publish() {
        Lease l = lease;
        GuestClient g = guest;
        Optional<SessionView.Vm> vm = l == null || g == null ? Optional.empty()
                : Optional.of(new SessionView.Vm(l.vmId(), g.endpoints(), l.expiresAt()));
        view = new SessionView(id, owner, slot, state(), vm, task == null ? "" : task.id(), steps, maxSteps,
                evaluation == null ? OptionalDouble.empty() : OptionalDouble.of(evaluation.score()), createdAt,
                lastUsed, note);
        return view;
    }
}
