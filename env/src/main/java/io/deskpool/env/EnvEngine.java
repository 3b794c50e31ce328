package io.deskpool.env;

import io.deskpool.core.pool.VmPool;
import io.deskpool.core.spi.ScreenSize;
import io.deskpool.env.eval.Evaluation;
import io.deskpool.env.eval.Evaluators;
import io.deskpool.env.eval.ExternalEvaluator;
import io.deskpool.env.eval.MetricThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Episodes over pooled VMs, whichever API drives them: sessions (opened by a client, or a client's numbered slot)
 * that reset to a task on a clean VM, step with a model's output read by an action parser, and are evaluated by
 * OSWorld's evaluator. Results are typed; failures are {@link EnvFailure}s (or the pool's own). Calls on one
 * session run one at a time, sessions in parallel. A background task keeps the leases of sessions in use alive
 * and gives back the VM of a session idle for ENV_IDLE_RELEASE.
 */
public final class EnvEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EnvEngine.class);
    /** The highest slot number a caller may use. */
    public static final int MAX_SLOT = EnvSessions.MAX_SLOT;
    /** Most threads metrics and getters run on at once, runaways that overran their deadline included. */
    private static final int METRIC_THREADS = 64;

    private final VmPool pool;
    private final EnvConfig config;
    private final EnvSessions sessions;
    private final SessionLeases leases;
    private final ActionParsers parsers;
    private final EpisodeReset resets;
    private final EpisodeStep steps;
    private final EpisodeEvaluation evaluator;
    private final EpisodeFork forks;
    private final Clock clock;
    private final ScheduledExecutorService housekeeper;
    private final QuotaQueue quota;

    private EnvEngine(VmPool pool, EnvConfig config, ActionParsers parsers, StepRewards rewards, Evaluation evaluation,
                      Clock clock, boolean background) {
        this.pool = pool;
        this.config = config;
        this.clock = clock;
        this.parsers = parsers;
        ScreenSize screen = pool.provider().baseSpec().screen();
        this.sessions = new EnvSessions(screen);
        pool.addListener(sessions);
        this.quota = new QuotaQueue(pool);
        pool.addListener(quota);
        this.leases = new SessionLeases(pool, sessions);
        FileDownloader downloader = new FileDownloader(
                new DownloadCache(config.cacheDir(), config.cacheMaxBytes(), config.cacheTtl(), clock),
                GuardedHttpGet.forThisHost(config.downloadAllow()), config.downloadMaxBytes());
        SetupRunner setup = new SetupRunner(downloader, config.uploadDir(), config.strictSetup(),
                new SetupRunner.Placeholders(config.clientPassword(), screen.width(), screen.height()));
        ExecutorService guestThreads = Executors.newCachedThreadPool(daemon("deskpool-env-http"));
        JpegEncoder jpeg = new JpegEncoder(config.jpegQuality());
        this.resets = new EpisodeReset(pool, quota, config, sessions, leases, setup, evaluation, guestThreads, jpeg);
        this.steps = new EpisodeStep(config, leases, rewards, jpeg);
        this.evaluator = new EpisodeEvaluation(evaluation, setup, downloader, leases, config.evaluateTimeout(),
                config.downloadMaxBytes());
        this.forks = new EpisodeFork(pool, sessions, leases, guestThreads);
        if (background) {
            this.housekeeper = Executors.newSingleThreadScheduledExecutor(daemon("deskpool-env-housekeeper"));
            long ms = housekeepingPeriod().toMillis();
            housekeeper.scheduleWithFixedDelay(this::housekeepQuietly, ms, ms, TimeUnit.MILLISECONDS);
        } else {
            this.housekeeper = null;
        }
    }

    /**
     * The engine over {@code pool} with the plugins on the class path (action parsers, step rewards, metrics,
     * getters); fails naming the setting when ENV_ACTION_PARSER or ENV_STEP_REWARD names no plugin.
     */
    public static EnvEngine create(VmPool pool, EnvConfig config, Clock clock) {
        return new EnvEngine(pool, config, ActionParsers.load(config.actionParser()), StepRewards.load(config.stepReward()),
                evaluation(config, Evaluators.load()), clock, true);
    }

    /** An engine with the given plugins and no background task (tests call {@link #housekeep()} themselves). */
    static EnvEngine forTest(VmPool pool, EnvConfig config, ActionParsers parsers, StepRewards rewards, Clock clock) {
        return new EnvEngine(pool, config, parsers, rewards, evaluation(config, Evaluators.load()), clock, false);
    }

    private static Evaluation evaluation(EnvConfig config, Evaluators evaluators) {
        Optional<ExternalEvaluator> external = config.externalEvaluator().isEmpty() ? Optional.empty()
                : Optional.of(new ExternalEvaluator(config.externalEvaluator(), config.externalEvaluatorTimeout()));
        return new Evaluation(evaluators, external, new MetricThreads(config.metricTimeout(), METRIC_THREADS),
                config.downloadMaxBytes());
    }

    public EnvConfig config() {
        return config;
    }

    public ActionParsers parsers() {
        return parsers;
    }

    // ---- sessions -------------------------------------------------------------------------------------------

    /** A new session of {@code owner}, without a VM until its first reset. */
    public SessionView open(String owner) {
        return sessions.open(owner, clock.instant()).view();
    }

    /** The owner's slot {@code k} (0..4095), made on first use. */
    public SessionView slot(String owner, int k) {
        return sessions.slot(owner, k, clock.instant()).view();
    }

    public SessionView view(String owner, String sessionId) {
        return sessions.find(owner, sessionId).view();
    }

    /** The owner's sessions (slots included), oldest first. */
    public List<SessionView> list(String owner) {
        return sessions.of(owner).stream().map(EnvSession::view).toList();
    }

    /** The episode as a chat, for sessions that keep one (slots); never waits for a call in progress. */
    public EpisodeTranscript transcript(String owner, String sessionId) {
        return sessions.find(owner, sessionId).transcript;
    }

    /** Session counts: how many exist, hold a VM, have calls queued behind a call in progress, wait for quota. */
    public Counts counts() {
        return new Counts(sessions.count(), sessions.withVm(), sessions.callsWaiting(), quota.waiting());
    }

    /**
     * Session counts for health reports.
     *
     * @param callsWaiting calls queued behind another call on the same session (a client that retried)
     * @param quotaWaiting resets waiting because their token holds its quota of VMs
     */
    public record Counts(int sessions, int withVm, int callsWaiting, int quotaWaiting) {
    }

    // ---- episode calls ---------------------------------------------------------------------------------------

    /** Resets the session to {@code task} on a clean VM; a failed reset leaves the session without a VM. */
    public ResetResult reset(String owner, String sessionId, TaskConfig task, ResetOptions opts) {
        long arrived = System.nanoTime();
        EnvSession s = sessions.find(owner, sessionId);
        Duration wait = opts.resetWait().orElse(config.resetWait());
        return call(s, wait.plus(config.resetTimeout()), x -> resets.run(x, task, opts, arrived));
    }

    public StepResult step(String owner, String sessionId, StepRequest request) {
        return call(sessions.find(owner, sessionId), config.resetTimeout(), s -> steps.run(s, request));
    }

    /**
     * Scores the episode. Until there is one to score (no reset yet, or the last one failed) this is a 503 that
     * says to retry, never a 0. A slot's VM goes back to the pool once its score is known, and the score is kept:
     * its client's retries get the same number.
     */
    public EvaluationResult evaluate(String owner, String sessionId) {
        return call(sessions.find(owner, sessionId), config.evaluateTimeout(), s -> {
            if (s.slotLike && s.evaluation != null) {
                return s.evaluation.asRepeat(s.publish());
            }
            if (s.task == null) {
                throw EnvFailure.EPISODE_NOT_READY.exception("there is no episode to evaluate yet"
                        + (s.note.isEmpty() ? " (no reset so far)" : " (" + s.note + ")")
                        + "; retry after a reset has succeeded");
            }
            leases.renew(s);
            EvaluationResult r = evaluator.evaluate(s);
            s.evaluation = r;
            if (s.slotLike) {
                s.done = true;
                leases.release(s);
            }
            return r.withSession(s.publish());
        });
    }

    /**
     * Forks the session's episode into {@code count} new sessions of its owner, each on a copy of its VM (memory,
     * processes, screen, disk) leased to the owner, carrying the episode on from its current step. All or nothing:
     * when the fork fails (quota 429, pool full 503, the provider), no new session is left.
     */
    public List<SessionView> fork(String owner, String sessionId, int count) {
        if (count < 1) {
            throw EnvFailure.INVALID_REQUEST.exception("a fork makes at least 1 copy, got " + count);
        }
        return call(sessions.find(owner, sessionId), config.resetTimeout(), parent -> {
            var copies = new java.util.ArrayList<EnvSession>();
            for (int i = 0; i < count; i++) {
                EnvSession c = sessions.open(owner, clock.instant());
                c.lock.lock();
                copies.add(c);
            }
            try {
                forks.run(parent, copies);
                return copies.stream().map(EnvSession::publish).toList();
            } catch (RuntimeException e) {
                copies.forEach(sessions::remove);
                throw e;
            } finally {
                copies.forEach(c -> c.leave(clock.instant()));
            }
        });
    }

    /**
     * The ARPO/ENVS dialect's branch: slot {@code from}'s episode is forked into the owner's slots {@code to},
     * which carry it on from its current step; whatever episode a target slot had ends, and its VM makes way for
     * the copy. Waits for calls in progress on any of the slots.
     */
    public List<SessionView> forkSlots(String owner, int from, List<Integer> to) {
        if (to.isEmpty() || new java.util.HashSet<>(to).size() != to.size() || to.contains(from)) {
            throw EnvFailure.INVALID_REQUEST.exception("the target slots must be one or more distinct slots other "
                    + "than the source slot " + from + ", got " + to);
        }
        Instant now = clock.instant();
        EnvSession parent = sessions.slot(owner, from, now);
        List<EnvSession> targets = to.stream().map(k -> sessions.slot(owner, k, now)).toList();
        var all = new java.util.ArrayList<EnvSession>(targets);
        all.add(parent);
        // One order for every multi-session call, so two forks between the same slots cannot deadlock.
        all.sort(java.util.Comparator.comparing(s -> s.id));
        var held = new java.util.ArrayList<EnvSession>();
        try {
            for (EnvSession s : all) {
                if (!s.enter(config.resetTimeout())) {
                    throw EnvFailure.SESSION_BUSY.exception("env session " + s.id + " is busy with another call "
                            + "(waited " + config.resetTimeout().toSeconds() + " s); retry", java.util.Map.of(
                            "session_id", s.id), null);
                }
                held.add(s);
                if (s.closed) {
                    throw EnvFailure.UNKNOWN_SESSION.exception("env session " + s.id + " was closed");
                }
            }
            forks.run(parent, targets);
            return targets.stream().map(EnvSession::publish).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EnvFailure.INTERRUPTED.exception("interrupted while waiting for the slots to fork; retry", e);
        } finally {
            held.forEach(s -> s.leave(clock.instant()));
        }
    }

    /** The VM's current screen as PNG. */
    public Screenshot screenshot(String owner, String sessionId) {
        return call(sessions.find(owner, sessionId), config.resetTimeout(), s -> {
            leases.renew(s);
            Deadline d = Deadline.after(config.stepTimeout());
            try {
                return Screenshot.ofPng(s.guest.screenshot(d));
            } catch (GuestException e) {
                if (e.vmInDoubt()) {
                    throw leases.vmLost(s, e, "screenshot", d);
                }
                throw EnvFailure.GUEST_REFUSED.exception(e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw EnvFailure.GUEST_REFUSED.exception("GET /screenshot: " + e.getMessage(), e);
            }
        });
    }

    /** Gives the session's VM back and forgets the session; answers the session as it was (with the VM it had). */
    public SessionView close(String owner, String sessionId) {
        return call(sessions.find(owner, sessionId), config.resetTimeout(), s -> {
            SessionView before = s.publish();
            leases.release(s);
            sessions.remove(s);
            return before;
        });
    }

    /** Runs {@code body} with the session's lock, waiting at most {@code max} for a call in progress. */
    private <T> T call(EnvSession s, Duration max, Function<EnvSession, T> body) {
        try {
            if (!s.enter(max)) {
                throw EnvFailure.SESSION_BUSY.exception("env session " + s.id + " is busy with another call (waited "
                        + max.toSeconds() + " s); retry", java.util.Map.of("session_id", s.id), null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EnvFailure.INTERRUPTED.exception("interrupted while waiting for env session " + s.id + "; retry",
                    java.util.Map.of("session_id", s.id), e);
        }
        try {
            if (s.closed) {
                throw EnvFailure.UNKNOWN_SESSION.exception("env session " + s.id + " was closed");
            }
            return body.apply(s);
        } finally {
            s.leave(clock.instant());
        }
    }

    // ---- housekeeping ------------------------------------------------------------------------------------------

    /**
     * Keeps the leases of sessions in use alive (a trainer may think for longer than LEASE_TTL between calls),
     * gives back the VM of a session idle for ENV_IDLE_RELEASE, and forgets /v1 sessions idle twice that long.
     * Sessions in a call are left alone.
     */
    public void housekeep() {
        Instant now = clock.instant();
        Duration renewBefore = pool.config().leaseTtl().dividedBy(2);
        for (EnvSession s : sessions.all()) {
            if (!s.lock.tryLock()) {
                continue;
            }
            try {
                if (s.closed) {
                    continue;
                }
                Duration idle = Duration.between(s.lastUsed, now);
                if (s.lease != null && idle.compareTo(config.idleRelease()) >= 0) {
                    String vm = s.lease.vmId();
                    leases.release(s);
                    s.releasedIdle = true;
                    s.note = "VM " + vm + " was given back after " + idle.toSeconds()
                            + " s without a call (ENV_IDLE_RELEASE=" + config.idleRelease().toSeconds() + ")";
                    log.info("Env session {}: {}", s.id, s.note);
                } else if (s.lease != null && Duration.between(now, s.lease.expiresAt()).compareTo(renewBefore) < 0) {
                    leases.keepAlive(s);
                } else if (s.lease == null && s.slot.isEmpty()
                        && idle.compareTo(config.idleRelease().multipliedBy(2)) >= 0) {
                    sessions.remove(s);
                }
                s.publish();
            } finally {
                s.lock.unlock();
            }
        }
    }

    private void housekeepQuietly() {
        try {
            housekeep();
        } catch (RuntimeException e) {
            log.warn("Env housekeeping failed; trying again next round", e);
        }
    }

    private Duration housekeepingPeriod() {
        Duration p = pool.config().leaseTtl().dividedBy(4);
        Duration idle = config.idleRelease().dividedBy(4);
        p = p.compareTo(idle) < 0 ? p : idle;
        if (p.compareTo(Duration.ofSeconds(1)) < 0) {
            return Duration.ofSeconds(1);
        }
        return p.compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : p;
    }

    /** Stops the background task; the pool (closed separately) takes care of the VMs. */
    @Override
    public void close() {
        if (housekeeper != null) {
            housekeeper.shutdownNow();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
