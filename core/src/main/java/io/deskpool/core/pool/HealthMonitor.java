package io.deskpool.core.pool;

import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks the pool's VMs with {@link Provider#checkHealth}, as ENVS's container monitor does: every health
 * interval, all warm and leased VMs at once, each check bounded by the health timeout. A warm VM is reserved
 * ({@link VmState#CHECKING}) while it is checked, so it is neither handed out nor retired under the check; a
 * leased one is checked where it is, without touching the client's use of it. A leased VM that does not answer
 * is checked a second time at once before its lease is declared lost, so one slow answer does not end an
 * episode; a warm one is replaced on the first failure (nobody is using it).
 */
final class HealthMonitor {
    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);
    /** Beyond the health timeout, how long a provider's check may overrun before it counts as unanswered. */
    private static final Duration OVERRUN = Duration.ofSeconds(1);

    private final VmPool pool;
    private final Provider provider;
    private final ExecutorService checks = Executors.newCachedThreadPool(PoolThreads.named("deskpool-health"));
    private final ScheduledExecutorService schedule =
            Executors.newSingleThreadScheduledExecutor(PoolThreads.named("deskpool-health-schedule"));

    HealthMonitor(VmPool pool, Provider provider) {
        this.pool = pool;
        this.provider = provider;
    }

    void start(Duration interval) {
        if (interval.isZero()) {
            return;
        }
        long ms = Math.max(1, interval.toMillis());
        schedule.scheduleWithFixedDelay(() -> {
            try {
                runRound();
            } catch (RuntimeException e) {
                log.error("Health check round failed", e);
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    void stop() {
        schedule.shutdownNow();
        checks.shutdownNow();
    }

    /** Checks every warm and leased VM once, in parallel, and hands the results to the pool; returns when done. */
    void runRound() {
        record Target(PooledVm vm, VmState in, String leaseId, VmHandle handle) {
        }
        var targets = new ArrayList<Target>();
        pool.lock.lock();
        try {
            if (pool.policy.closed) {
                return;
            }
            for (PooledVm vm : pool.ledger.allVms()) {
                if (vm.checkRunning || vm.handle == null || vm.forksRunning > 0) {
                    continue;
                }
                if (vm.state == VmState.WARM) {
                    pool.ledger.transition(vm, VmState.CHECKING, "health check");
                    vm.checkRunning = true;
                    targets.add(new Target(vm, VmState.CHECKING, "", vm.handle));
                } else if (vm.state == VmState.LEASED && vm.lease != null) {
                    vm.checkRunning = true;
                    targets.add(new Target(vm, VmState.LEASED, vm.lease.id(), vm.handle));
                }
            }
        } finally {
            pool.unlockAndDeliver();
        }
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (Target t : targets) {
            running.add(CompletableFuture.runAsync(() -> {
                VmHealth seen = check(t.handle());
                if (t.in() == VmState.LEASED && seen.status() == VmHealth.Status.UNRESPONSIVE) {
                    seen = check(t.handle());
                }
                if (!seen.isHealthy()) {
                    log.warn("VM {} ({}) failed its health check: {}", t.vm().id,
                            t.in() == VmState.LEASED ? "leased" : "idle", seen.detail());
                }
                pool.lock.lock();
                try {
                    pool.policy.healthChecked(t.vm(), t.in(), t.leaseId(), seen);
                } finally {
                    pool.unlockAndDeliver();
                }
            }, checks).exceptionally(e -> {
                log.error("Health check of VM {} failed", t.vm().id, e);
                return null;
            }));
        }
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
    }

    /** Checks VMs the caller reserved, all at once; the answers in the same order. */
    List<VmHealth> checkAll(List<VmHandle> handles) {
        List<CompletableFuture<VmHealth>> running = new ArrayList<>();
        for (VmHandle h : handles) {
            try {
                running.add(CompletableFuture.supplyAsync(() -> check(h), checks));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                running.add(CompletableFuture.completedFuture(VmHealth.healthy("not checked: the pool is closing")));
            }
        }
        return running.stream().map(CompletableFuture::join).toList();
    }

    /** One check of a VM the caller reserved, bounded even if the provider overruns its timeout. */
    VmHealth check(PooledVm vm) {
        VmHandle handle;
        pool.lock.lock();
        try {
            handle = vm.handle;
        } finally {
            pool.lock.unlock();
        }
        return check(handle);
    }

    private VmHealth check(VmHandle handle) {
        Duration timeout = pool.config().healthTimeout().isZero() ? Duration.ofSeconds(5) : pool.config().healthTimeout();
        CompletableFuture<VmHealth> f;
        try {
            f = CompletableFuture.supplyAsync(() -> provider.checkHealth(handle, timeout), checks);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return VmHealth.healthy("not checked: the pool is closing");
        }
        try {
            return f.get(timeout.plus(OVERRUN).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return VmHealth.unresponsive("the " + provider.name() + " provider's health check did not return within "
                    + timeout.plus(OVERRUN).toMillis() + " ms");
        } catch (ExecutionException e) {
            return VmHealth.unresponsive("the health check failed: " + PoolWork.message(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return VmHealth.healthy("not checked: interrupted");
        }
    }
}
