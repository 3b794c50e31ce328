package io.deskpool.env.eval;

import io.deskpool.env.EnvFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Runs metrics and getters (built-in or plugin code) under a deadline, each on a thread of this pool: the
 * evaluation waits at most the deadline, then interrupts the call and abandons it. A Java thread cannot be killed,
 * so a runaway that ignores interruption keeps its thread (and its core) until it ends by itself; what bounds it is
 * its input, which metrics read only through {@link io.deskpool.env.spi.EvalFiles} (regular files of the evaluation,
 * at most ENV_DOWNLOAD_MAX_MB; {@code /dev/zero} is refused), and this pool: at most {@code maxThreads} calls run at
 * once, abandoned runaways included, so they cannot multiply without bound. Once all are taken, evaluations fail
 * with {@code EVALUATION_BUSY} and the log names the metrics that overran. (The EXTERNAL_EVALUATOR is a process,
 * killed with its children at its deadline.)
 *
 * <p>A call holds its permit until its body has really returned, not merely until its caller stopped waiting, so
 * {@link #busy()} counts runaways and a finished call's permit is free the moment its result is handed over.
 */
public final class MetricThreads implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricThreads.class);

    private final Duration perCall;
    private final int maxThreads;
    private final Semaphore permits;
    private final ThreadPoolExecutor threads;

    public MetricThreads(Duration perCall, int maxThreads) {
        this.perCall = requireNonNull(perCall, "perCall is null");
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be at least 1, got " + maxThreads);
        }
        this.maxThreads = maxThreads;
        this.permits = new Semaphore(maxThreads);
        AtomicInteger n = new AtomicInteger();
        // As many threads as permits: a queued call waits only for a thread finishing the call that released one.
        this.threads = new ThreadPoolExecutor(maxThreads, maxThreads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "deskpool-metric-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        threads.allowCoreThreadTimeOut(true);
    }

    /**
     * Runs {@code body} and gives its result or throws what it threw, within the shorter of ENV_METRIC_TIMEOUT and
     * {@code timeLeft}; past that, {@code METRIC_TIMED_OUT}.
     */
    public <T> T call(String what, Callable<T> body, Duration timeLeft) throws Exception {
        Duration limit = perCall.compareTo(timeLeft) < 0 ? perCall : timeLeft;
        if (limit.isNegative() || limit.isZero()) {
            throw timedOut(what, limit);
        }
        if (!permits.tryAcquire()) {
            throw EnvFailure.EVALUATION_BUSY.exception("all " + maxThreads + " evaluation threads are "
                    + "taken (by metrics that ran past their deadline; see the server log); retry later");
        }
        Run<T> run = new Run<>(body);
        try {
            threads.execute(run);
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
        try {
            return run.result.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            run.abandon();
            log.warn("{} ran past its deadline ({} s): interrupted and abandoned; {} of {} evaluation thread(s) busy",
                    what, limit.toMillis() / 1000.0, busy(), maxThreads);
            throw timedOut(what, limit);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            run.abandon();
            Thread.currentThread().interrupt();
            throw timedOut(what, limit);
        }
    }

    /** Calls running now, abandoned runaways included. */
    public int busy() {
        return maxThreads - permits.availablePermits();
    }

    /** One call: runs its body unless abandoned first, interrupts it when abandoned while running. */
    private final class Run<T> implements Runnable {
        private final Callable<T> body;
        final CompletableFuture<T> result = new CompletableFuture<>();
        private Thread runner;      // guarded by this
        private boolean abandoned;  // guarded by this

        Run(Callable<T> body) {
            this.body = body;
        }

        @Override
        public void run() {
            T value = null;
            Throwable failure = null;
            boolean ran = false;
            try {
                synchronized (this) {
                    if (abandoned) {
                        return;
                    }
                    runner = Thread.currentThread();
                }
                ran = true;
                try {
                    value = body.call();
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    synchronized (this) {
                        runner = null;
                        Thread.interrupted(); // an interrupt meant for this call must not reach the thread's next one
                    }
                }
            } finally {
                // Free the permit before the caller learns the result, so its next call finds it free.
                permits.release();
                if (ran && failure == null) {
                    result.complete(value);
                } else if (ran) {
                    result.completeExceptionally(failure);
                }
            }
        }

        synchronized void abandon() {
            abandoned = true;
            if (runner != null) {
                runner.interrupt();
            }
        }
    }

    private static io.deskpool.core.DeskpoolException timedOut(String what, Duration limit) {
        return EnvFailure.METRIC_TIMED_OUT.exception(what + " did not finish within " + limit.toMillis() / 1000.0
                + " s (ENV_METRIC_TIMEOUT, or what was left of ENV_EVALUATE_TIMEOUT)");
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
