package io.deskpool.core.qemu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one step for each of several VMs at once (starting a fork's copies, loading the state into each) and waits
 * for all of them, so that a failure is reported only once every step has ended and nothing is left running.
 */
public final class ConcurrentSteps {
    private ConcurrentSteps() {
    }

    /**
     * Runs the tasks on threads named {@code name} and returns their results in order.
     *
     * @throws ExecutionException the first failure, once all tasks have ended
     */
    public static <T> List<T> all(String name, List<Callable<T>> tasks) throws ExecutionException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, tasks.size()), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        try {
            var futures = new ArrayList<Future<T>>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(task));
            }
            var results = new ArrayList<T>();
            ExecutionException first = null;
            for (Future<T> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    first = first == null ? e : first;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    pool.shutdownNow();
                    throw new ExecutionException("interrupted", e);
                }
            }
            if (first != null) {
                throw first;
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
