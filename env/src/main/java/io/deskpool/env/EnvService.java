package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.VmPool;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.ScreenSize;
import io.deskpool.env.eval.Evaluation;
import io.deskpool.env.eval.Evaluators;
import io.deskpool.env.eval.ExternalEvaluator;
import io.deskpool.env.spi.GuestAccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Episodes over pooled VMs: reset (a clean VM plus the task's setup), step (one action, then the new
 * observation), evaluate (OSWorld's evaluator), screenshot, close. Each returns the JSON body of its response;
 * each failure is a {@link DeskpoolException} whose details carry a {@code reason}.
 *
 * <p>Resetting a session that holds a VM releases that VM (the pool reverts it to the clean snapshot in the
 * background) and acquires a clean one, which is a warm spare when there is one. That keeps reverts, their
 * failures and any new VM handle a revert produces (EC2 relaunch) inside the pool, and under contention it
 * queues the session fairly behind other waiting clients; the session id stays, the VM id may change.
 */
public final class EnvService {
    private static final Logger log = LoggerFactory.getLogger(EnvService.class);

    private final VmPool pool;
    private final EnvConfig config;
    private final EnvSessions sessions;
    private final SetupRunner setup;
    private final Evaluation evaluation;
    private final Executor guestExecutor;
    private final Clock clock;
    private final SessionLeases leases;
    private final EpisodeEvaluation evaluator;

    EnvService(VmPool pool, EnvConfig config, EnvSessions sessions, SetupRunner setup, Evaluation evaluation,
               FileDownloader downloader, Executor guestExecutor, Clock clock) {
        this.pool = requireNonNull(pool, "pool is null");
        this.config = requireNonNull(config, "config is null");
        this.sessions = requireNonNull(sessions, "sessions is null");
        this.setup = requireNonNull(setup, "setup is null");
        this.evaluation = requireNonNull(evaluation, "evaluation is null");
        this.guestExecutor = requireNonNull(guestExecutor, "guestExecutor is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.leases = new SessionLeases(pool, sessions);
        this.evaluator = new EpisodeEvaluation(evaluation, setup, requireNonNull(downloader, "downloader is null"), leases, config.evaluateTimeout());
    }

    /** The engine over {@code pool}, configured from {@code settings}; listens to the pool for lost leases. */
    public static EnvService create(VmPool pool, EnvConfig config, Clock clock) {
        EnvSessions sessions = new EnvSessions();
        pool.addListener(sessions);
        FileDownloader downloader = new FileDownloader(config.cacheDir(), config.downloadMaxBytes());
        ScreenSize screen = pool.provider().baseSpec().screen();
        SetupRunner setup = new SetupRunner(downloader, config.uploadDir(), config.strictSetup(),
                new SetupRunner.Placeholders(config.clientPassword(), screen.width(), screen.height()));
        Optional<ExternalEvaluator> external = config.externalEvaluator().isEmpty() ? Optional.empty()
                : Optional.of(new ExternalEvaluator(config.externalEvaluator(), config.externalEvaluatorTimeout()));
        ExecutorService guestThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "deskpool-env-http");
            t.setDaemon(true);
            return t;
        });
        return new EnvService(pool, config, sessions, setup, new Evaluation(Evaluators.load(), external),
                downloader, guestThreads, clock);
    }

    /** How many sessions exist. */
    public int sessionCount() {
        return sessions.count();
    }

    /** Whether any session holds a VM. */
    public boolean anySessionWithVm() {
        return sessions.anyWithVm();
    }

    /** What a reset asks for besides the task. */
    public record ResetOptions(Optional<Integer> maxSteps, Optional<Duration> acquireWait, boolean a11y, Optional<Boolean> screenshotUrls) {
    }

    public Map<String, Object> reset(String token, Optional<String> sessionId, JsonNode taskConfig, ResetOptions opts) {
        TaskConfig task = TaskConfig.parse(taskConfig);
        sessions.sweep(clock.instant(), pool.config().leaseTtl());
        Duration wait = opts.acquireWait().orElse(config.acquireWait());
        EnvSession s;
        boolean created = false;
        if (sessionId.isPresent()) {
            s = sessions.find(token, sessionId);
        } else if (pool.config().poolSize() == 1 && sessions.latestOf(token).isPresent()) {
            // One VM and a client that sends no id: behave like the original single env.
            s = sessions.latestOf(token).get();
        } else {
            s = sessions.open(token, clock.instant());
            created = true;
        }
        lock(s, wait.plus(config.resetTimeout()));
        try {
            return resetLocked(s, task, opts, wait);
        } catch (RuntimeException e) {
            if (created) {
                leases.release(s);
                sessions.remove(s);
                throw e;
            }
            throw withSession(e, s);
        } finally {
            s.lastUsed = clock.instant();
            s.lock.unlock();
        }
    }

    private Map<String, Object> resetLocked(EnvSession s, TaskConfig task, ResetOptions opts, Duration wait) {
        ensureOpen(s);
        long t0 = System.nanoTime();
        leases.release(s);
        s.clearEpisode();
        Lease lease = pool.acquire(s.token, wait);
        VmEndpoints endpoints;
        try {
            endpoints = lease.vm().requireEndpoints();
        } catch (IllegalStateException e) {
            pool.markBroken(lease.id(), s.token, "no endpoints");
            throw new DeskpoolException(ErrorCode.NOT_READY, "the VM handed out has no endpoints yet; retry the reset",
                    Map.of("reason", "vm_unreachable"), e);
        }
        s.attach(lease, new GuestClient(endpoints, guestExecutor));
        sessions.bind(s, lease);
        long acquired = System.nanoTime();
        Deadline d = Deadline.after(config.resetTimeout());
        List<SetupRunner.StepReport> reports;
        Map<String, Object> observation;
        try {
            s.guest.awaitReachable(config.readyTimeout(), d);
            reports = setup.run(task.config(), s.guest, d);
            s.startEpisode(task, opts.maxSteps().orElse(config.maxSteps()), opts.a11y(),
                    opts.screenshotUrls().orElse(config.screenshotUrls()));
            observation = observe(s, d, s.a11y);
        } catch (GuestException e) {
            throw new DeskpoolException(ErrorCode.NOT_READY, leases.lose(s, e, "reset") + "; retry the reset",
                    Map.of("reason", "vm_lost"), e);
        }
        var info = new LinkedHashMap<String, Object>();
        info.put("acquire_seconds", seconds(acquired - t0));
        info.put("setup_seconds", seconds(System.nanoTime() - acquired));
        info.put("setup", reports.stream().map(SetupRunner.StepReport::toJson).toList());
        task.evaluator().ifPresent(spec -> {
            // Told now, so a client does not spend an episode on a task it cannot score; evaluate refuses it.
            try {
                evaluation.plan(spec);
            } catch (DeskpoolException e) {
                info.put("evaluator_problem", e.getMessage());
            }
        });
        var body = new LinkedHashMap<String, Object>();
        body.put("session_id", s.id);
        body.put("vm_id", lease.vmId());
        body.put("lease_expires_at", s.lease.expiresAt().toString());
        body.put("task_id", task.id());
        body.put("instruction", task.instruction());
        body.put("step", 0);
        body.put("max_steps", s.maxSteps);
        body.put("done", false);
        body.put("observation", observation);
        body.put("info", info);
        log.info("Env session {} reset on VM {} (task '{}', {} setup steps, {} s)", s.id, lease.vmId(), task.id(),
                reports.size(), seconds(System.nanoTime() - t0));
        return body;
    }

    public Map<String, Object> step(String token, Optional<String> sessionId, JsonNode actionNode, Optional<Duration> pause,
                             Optional<Boolean> a11y, Optional<Duration> timeout) {
        StepAction action = StepAction.parse(actionNode);
        EnvSession s = sessions.find(token, sessionId);
        lock(s, config.resetTimeout());
        try {
            return stepLocked(s, action, pause.orElse(config.stepPause()), a11y.orElse(s.a11y),
                    timeout.orElse(config.stepTimeout()));
        } catch (RuntimeException e) {
            throw withSession(e, s);
        } finally {
            s.lastUsed = clock.instant();
            s.lock.unlock();
        }
    }

    private Map<String, Object> stepLocked(EnvSession s, StepAction action, Duration pause, boolean a11y, Duration timeout) {
        ensureOpen(s);
        leases.renew(s);
        requireTask(s);
        if (s.done) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "the episode is over (" + (s.steps >= s.maxSteps
                    ? "max_steps " + s.maxSteps + " reached" : "last action " + s.lastAction)
                    + "): evaluate it or reset the session", Map.of("reason", "episode_done"), null);
        }
        long t0 = System.nanoTime();
        Deadline d = Deadline.after(timeout);
        var info = new LinkedHashMap<String, Object>();
        info.put("action_type", action.kind() == StepAction.Kind.PYAUTOGUI ? "pyautogui" : action.kind().name());
        boolean done = false;
        Map<String, Object> observation;
        try {
            switch (action.kind()) {
                case WAIT -> d.sleep(pause);
                case FAIL -> {
                    done = true;
                    info.put("fail", true);
                }
                case DONE -> {
                    done = true;
                    info.put("done", true);
                }
                case PYAUTOGUI -> {
                    GuestAccess.CommandOutput out = s.guest.execute("/execute", action.command(), false, d);
                    info.put("returncode", out.returncode());
                    if (!out.error().isBlank()) {
                        info.put("error", clip(out.error(), 2000));
                    }
                }
            }
            s.steps++;
            s.lastAction = action.label();
            if (!done && s.steps >= s.maxSteps) {
                done = true;
                info.put("max_steps_reached", true);
            }
            s.done = done;
            if (action.kind() == StepAction.Kind.PYAUTOGUI || action.kind() == StepAction.Kind.WAIT) {
                d.sleep(pause);
            }
            if (d.expired()) {
                throw new GuestException(GuestException.Kind.TIMEOUT, 0, "the step took longer than its deadline", null);
            }
            observation = observe(s, d, a11y);
        } catch (GuestException e) {
            if (e.vmInDoubt()) {
                throw leases.vmLost(s, e, "step " + (s.steps + 1), d);
            }
            if (e.getMessage().contains("timed out")) {
                // The in-VM server stopped the action at the deadline we gave it; the VM itself is fine.
                throw new DeskpoolException(ErrorCode.PROVIDER_ERROR, "the action did not finish within the step's deadline ("
                        + d.budget().toMillis() / 1000.0 + " s) and the VM stopped it: " + e.getMessage(),
                        Map.of("reason", "deadline_exceeded"), e);
            }
            throw new DeskpoolException(ErrorCode.PROVIDER_ERROR, "the VM refused the action: " + e.getMessage(),
                    Map.of("reason", "action_failed"), e);
        }
        info.put("step_seconds", seconds(System.nanoTime() - t0));
        var body = new LinkedHashMap<String, Object>();
        body.put("session_id", s.id);
        body.put("step", s.steps);
        body.put("max_steps", s.maxSteps);
        body.put("done", done);
        body.put("observation", observation);
        body.put("info", info);
        return body;
    }

    public Map<String, Object> evaluate(String token, Optional<String> sessionId) {
        EnvSession s = sessions.find(token, sessionId);
        lock(s, config.resetTimeout());
        try {
            ensureOpen(s);
            leases.renew(s);
            requireTask(s);
            return evaluator.evaluate(s);
        } catch (RuntimeException e) {
            throw withSession(e, s);
        } finally {
            s.lastUsed = clock.instant();
            s.lock.unlock();
        }
    }

    public byte[] screenshot(String token, Optional<String> sessionId) {
        EnvSession s = sessions.find(token, sessionId);
        lock(s, config.resetTimeout());
        Deadline d = Deadline.after(config.stepTimeout());
        try {
            ensureOpen(s);
            leases.renew(s);
            return s.guest.screenshot(d);
        } catch (GuestException e) {
            if (e.vmInDoubt()) {
                throw withSession(leases.vmLost(s, e, "screenshot", d), s);
            }
            throw withSession(new DeskpoolException(ErrorCode.PROVIDER_ERROR, e.getMessage(), Map.of("reason", "guest_refused"), e), s);
        } catch (RuntimeException e) {
            throw withSession(e, s);
        } finally {
            s.lastUsed = clock.instant();
            s.lock.unlock();
        }
    }

    public Map<String, Object> close(String token, Optional<String> sessionId) {
        EnvSession s = sessions.find(token, sessionId);
        lock(s, config.resetTimeout());
        try {
            String vm = s.lease == null ? "" : s.lease.vmId();
            leases.release(s);
            sessions.remove(s);
            var body = new LinkedHashMap<String, Object>();
            body.put("session_id", s.id);
            body.put("closed", true);
            body.put("released_vm_id", vm);
            return body;
        } finally {
            s.lock.unlock();
        }
    }

    public List<Map<String, Object>> list(String token) {
        return sessions.of(token).stream().map(s -> {
            var m = new LinkedHashMap<String, Object>();
            m.put("session_id", s.id);
            Lease l = s.lease;
            m.put("vm_id", l == null ? "" : l.vmId());
            TaskConfig t = s.task;
            m.put("task_id", t == null ? "" : t.id());
            m.put("step", s.steps);
            m.put("done", s.done);
            m.put("created_at", s.createdAt.toString());
            m.put("last_used", s.lastUsed.toString());
            return (Map<String, Object>) m;
        }).toList();
    }

    // ---- helpers, called with the session's lock held ------------------------------------------------------

    private Map<String, Object> observe(EnvSession s, Deadline d, boolean a11y) {
        var obs = new LinkedHashMap<String, Object>();
        if (s.screenshotUrls) {
            obs.put("screenshot_url", "/env/screenshot?session_id=" + s.id);
        } else {
            obs.put("screenshot", Base64.getEncoder().encodeToString(s.guest.screenshot(d)));
        }
        if (a11y) {
            obs.put("accessibility_tree", s.guest.accessibilityTree(d));
        }
        return obs;
    }

    private static void requireTask(EnvSession s) {
        if (s.task == null) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "the session has no task: its last reset failed; reset it",
                    Map.of("reason", "not_reset"), null);
        }
    }

    private static void lock(EnvSession s, Duration max) {
        try {
            if (!s.lock.tryLock(max.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new DeskpoolException(ErrorCode.NOT_READY, "env session " + s.id + " is busy with another call",
                        Map.of("reason", "session_busy", "session_id", s.id), null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeskpoolException(ErrorCode.NOT_READY, "interrupted while waiting for env session " + s.id, e);
        }
    }

    private static void ensureOpen(EnvSession s) {
        if (s.closed) {
            throw new DeskpoolException(ErrorCode.NOT_FOUND, "env session " + s.id + " was closed",
                    Map.of("reason", "unknown_session"), null);
        }
    }

    /** The same failure with the session's id in its details, so a client can tell which episode broke. */
    private static RuntimeException withSession(RuntimeException e, EnvSession s) {
        if (!(e instanceof DeskpoolException de) || de.details().containsKey("session_id") || s.closed) {
            return e;
        }
        var details = new HashMap<>(de.details());
        details.put("session_id", s.id);
        return new DeskpoolException(de.code(), de.getMessage(), details, de);
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 1_000_000.0) / 1000.0;
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

}
