package io.deskpool.env.eval;

import io.deskpool.env.EnvFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Runs metrics and getters (built-in or plugin code) under a deadline, each on a thread of this pool: the
 * evaluation waits at most the deadline, then interrupts the call and abandons its thread. A thread cannot be
 * killed, so a runaway that ignores interruption keeps its thread; what bounds it is its input, which metrics read
 * only through {@link io.deskpool.env.spi.EvalFiles} (regular files of the evaluation, at most ENV_DOWNLOAD_MAX_MB;
 * {@code /dev/zero} is refused), and this pool, which never holds more than {@code maxThreads} threads, so
 * runaways cannot multiply without bound: once all are taken, evaluations fail with {@code EVALUATION_BUSY} and the
 * log names the metrics that overran. (The EXTERNAL_EVALUATOR is a process, killed with its children at its
 * deadline.)
 */
public final class MetricThreads implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricThreads.class);

    private final Duration perCall;
    private final ThreadPoolExecutor threads;

    public MetricThreads(Duration perCall, int maxThreads) {
        this.perCall = requireNonNull(perCall, "perCall is null");
        AtomicInteger n = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(0, maxThreads, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "deskpool-metric-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
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
        Future<T> f;
        try {
            f = threads.submit(body);
        } catch (RejectedExecutionException e) {
            throw EnvFailure.EVALUATION_BUSY.exception("all " + threads.getMaximumPoolSize() + " evaluation threads are "
                    + "taken (by metrics that ran past their deadline; see the server log); retry later", e);
        }
        try {
            return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            log.warn("{} ran past its deadline ({} s): interrupted and abandoned; {} evaluation thread(s) busy", what,
                    limit.toMillis() / 1000.0, threads.getActiveCount());
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
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw timedOut(what, limit);
        }
    }

    /** Threads running now, abandoned runaways included. */
    public int busy() {
        return threads.getActiveCount();
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
