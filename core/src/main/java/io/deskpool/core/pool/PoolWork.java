package io.deskpool.core.pool;

import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.RevertResult;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmLabels;
import io.deskpool.core.spi.VmSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The pool's provider calls: boots (at most BOOT_CONCURRENCY at once), reverts and destroys, each on a pool
 * thread outside the pool's lock, reporting back under it. A failed boot or revert counts against the circuit
 * breaker; a failed destroy is tried again by housekeeping after a backoff that doubles up to
 * {@link #MAX_DESTROY_BACKOFF}, so a backend that refuses destroys is neither hammered nor forgotten.
 */
final class PoolWork {
    private static final Logger log = LoggerFactory.getLogger(PoolWork.class);
    static final Duration FIRST_DESTROY_BACKOFF = Duration.ofSeconds(2);
    static final Duration MAX_DESTROY_BACKOFF = Duration.ofMinutes(5);

    private final VmPool pool;
    private final Provider provider;
    private final VmSpec spec;
    private final ExecutorService boots;
    private final ExecutorService work;

    PoolWork(VmPool pool, Provider provider, VmSpec spec) {
        this.pool = pool;
        this.provider = provider;
        this.spec = spec;
        this.boots = Executors.newFixedThreadPool(pool.config().bootConcurrency(), PoolThreads.named("deskpool-boot"));
        this.work = Executors.newCachedThreadPool(PoolThreads.named("deskpool-work"));
    }

    void boot(PooledVm vm, String token) {
        boots.execute(() -> runBoot(vm, token));
    }

    void revert(PooledVm vm, VmHandle handle) {
        submit(() -> runRevert(vm, handle));
    }

    void destroy(PooledVm vm, VmHandle handle) {
        submit(() -> runDestroy(vm, handle));
    }

    /** Interrupts boots in flight and waits for them until {@code deadlineNanos}. */
    void stopBoots(long deadlineNanos) {
        boots.shutdownNow();
        await(boots, deadlineNanos);
    }

    /** Lets the work in flight (destroys at close) finish until {@code deadlineNanos}; false if some did not. */
    boolean awaitQuiet(long deadlineNanos) {
        work.shutdown();
        if (await(work, deadlineNanos)) {
            return true;
        }
        work.shutdownNow();
        return false;
    }

    private static boolean await(ExecutorService executor, long deadlineNanos) {
        try {
            return executor.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs pool work on the work threads; late work after shutdown (a boot finishing during close) gets its own thread. */
    private void submit(Runnable task) {
        try {
            work.execute(task);
        } catch (RejectedExecutionException e) {
            Thread t = new Thread(task, "deskpool-late-work");
            t.setDaemon(false);
            t.start();
        }
    }

    private void runBoot(PooledVm vm, String token) {
        long start = System.nanoTime();
        VmHandle handle = null;
        try {
            var labels = new HashMap<String, String>();
            labels.put(VmLabels.VM_ID, vm.id);
            String label = pool.tokenLabel(token);
            if (!label.isEmpty()) {
                labels.put(VmLabels.TOKEN, label);
            }
            log.info("Booting VM {} ({})", vm.id, provider.name());
            handle = provider.launch(vm.id, spec.withLabels(labels));
            setHandle(vm, handle);
            handle = provider.awaitReady(handle, pool.config().readyTimeout());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            pool.lock.lock();
            try {
                vm.handle = handle;
                pool.breaker.success();
                pool.events().add(new PoolEvent.BootFinished(vm.id, true, took, "ready"));
                pool.policy.offer(vm);
                // A closed breaker lets the boots it held back start now, not when their backoff would have ended.
                pool.policy.fill();
            } finally {
                pool.unlockAndDeliver();
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            pool.lock.lock();
            try {
                pool.breaker.failure("boot of " + vm.id + " failed: " + message(e), pool.clock().instant());
                if (handle != null) {
                    vm.handle = handle;
                }
                pool.events().add(new PoolEvent.BootFinished(vm.id, false, took, message(e)));
                pool.policy.quarantine(vm, "boot failed: " + message(e));
            } finally {
                pool.unlockAndDeliver();
            }
        }
    }

    private void setHandle(PooledVm vm, VmHandle handle) {
        pool.lock.lock();
        try {
            vm.handle = handle;
        } finally {
            pool.lock.unlock();
        }
    }

    private void runRevert(PooledVm vm, VmHandle handle) {
        long start = System.nanoTime();
        try {
            RevertResult result = provider.revert(handle, pool.config().snapshot());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            pool.lock.lock();
            try {
                vm.handle = result.vm();
                vm.reverts++;
                vm.forked = false;
                pool.events().add(new PoolEvent.RevertFinished(vm.id, true,
                        result.path().name().toLowerCase(Locale.ROOT), took, "clean"));
                pool.policy.offer(vm);
            } finally {
                pool.unlockAndDeliver();
            }
        } catch (Exception e) {
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            pool.lock.lock();
            try {
                pool.breaker.failure("revert of " + vm.id + " failed: " + message(e), pool.clock().instant());
                pool.events().add(new PoolEvent.RevertFinished(vm.id, false, "", took, message(e)));
                pool.policy.quarantine(vm, "revert failed: " + message(e));
            } finally {
                pool.unlockAndDeliver();
            }
        }
    }

    private void runDestroy(PooledVm vm, VmHandle handle) {
        try {
            provider.destroy(handle);
            pool.lock.lock();
            try {
                vm.destroyRunning = false;
                pool.policy.leave(vm);
            } finally {
                pool.unlockAndDeliver();
            }
        } catch (Exception e) {
            int attempts;
            Instant next;
            pool.lock.lock();
            try {
                vm.destroyRunning = false;
                attempts = ++vm.destroyAttempts;
                vm.lastError = "destroy failed: " + message(e);
                next = pool.clock().instant().plus(destroyBackoff(attempts));
                vm.nextDestroyAt = next;
            } finally {
                pool.lock.unlock();
            }
            log.warn("Destroying VM {} failed (attempt {}); trying again after {}: {}", vm.id, attempts, next, message(e));
        }
    }

    /** 2 s, 4 s, 8 s, ... up to 5 minutes. */
    static Duration destroyBackoff(int attempts) {
        long millis = FIRST_DESTROY_BACKOFF.toMillis() << Math.min(20, attempts - 1);
        return Duration.ofMillis(Math.min(millis, MAX_DESTROY_BACKOFF.toMillis()));
    }

    static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
