package io.deskpool.env;

import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.LeaseEndReason;

import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

import static java.util.Objects.requireNonNull;

/**
 * One client's episode state over a leased VM. Every env call on a session holds its lock, so calls on one
 * session run one at a time while sessions run in parallel. Fields other than the id, token and the volatile
 * ones are only touched under the lock.
 */
final class EnvSession {
    final String id;
    final String token;
    final Instant createdAt;
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
    boolean screenshotUrls;
    /** Why the session has no VM any more, for the next call's error ("" when it never lost one). */
    String lostReason = "";

    /** Set by the pool's events when the lease ends without this session ending it. */
    volatile LeaseEndReason leaseEnded;
    volatile Instant lastUsed;
    volatile boolean closed;

    EnvSession(String id, String token, Instant now) {
        this.id = requireNonNull(id, "id is null");
        this.token = requireNonNull(token, "token is null");
        this.createdAt = now;
        this.lastUsed = now;
    }

    void attach(Lease newLease, GuestClient client) {
        this.lease = newLease;
        this.guest = client;
        this.leaseEnded = null;
        this.lostReason = "";
    }

    /** Forgets the VM (after it was released, lost or taken away). */
    void detach() {
        this.lease = null;
        this.guest = null;
    }

    void startEpisode(TaskConfig newTask, int newMaxSteps, boolean withA11y, boolean urls) {
        this.task = newTask;
        this.steps = 0;
        this.maxSteps = newMaxSteps;
        this.done = false;
        this.lastAction = "";
        this.a11y = withA11y;
        this.screenshotUrls = urls;
    }

    void clearEpisode() {
        this.task = null;
        this.steps = 0;
        this.done = false;
        this.lastAction = "";
    }
}
