package io.deskpool.core.pool;

import io.deskpool.core.spi.VmExit;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What the pool does when something happens to a VM: a clean VM is offered to the first waiter or kept as a
 * spare, a dead one is lost (its lease too) and replaced, a failed one quarantined and destroyed, idle spares above
 * the warm target retired, and boots started while supply falls short of demand and the circuit breaker allows.
 * Every method runs with the pool's lock held and only queues provider calls on {@link PoolWork}.
 */
final class PoolPolicy {
    private static final Logger log = LoggerFactory.getLogger(VmPool.class);

    private final VmPool pool;
    private final PoolConfig config;
    private final PoolLedger ledger;
    private final CircuitBreaker breaker;
    private final PoolEvents events;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    /** When a fill is already scheduled for the end of a boot backoff; null when none is. */
    private Instant fillScheduledAt;
    boolean started;
    boolean closed;
    boolean destroyOnClose;

    PoolPolicy(VmPool pool, ScheduledExecutorService scheduler) {
        this.pool = pool;
        this.config = pool.config();
        this.ledger = pool.ledger;
        this.breaker = pool.breaker;
        this.events = pool.events();
        this.clock = pool.clock();
        this.scheduler = scheduler;
    }

    /**
     * Takes in the VMs an earlier run left: adopted ones are reverted (or, when a carried lease names them, stay
     * leased to that client, unreverted), the rest destroyed; a carried lease whose VM is not adopted is lost.
     */
    void reconcile(List<VmHandle> owned, Collection<CarriedLease> carried) {
        var leasedVms = new HashMap<String, CarriedLease>();
        carried.forEach(c -> leasedVms.putIfAbsent(c.vmId(), c));
        int keptLeases = 0;
        for (VmHandle h : owned) {
            boolean adopt = config.reconcile() == ReconcilePolicy.ADOPT && ledger.size() < config.poolSize();
            CarriedLease lease = leasedVms.remove(h.id());
            if (adopt && lease != null) {
                PooledVm vm = new PooledVm(h.id(), h, VmState.LEASED, clock.instant());
                vm.forked = h.labels().containsKey(io.deskpool.core.spi.VmLabels.FORKED_FROM);
                ledger.enter(vm, "adopted from an earlier run, still leased");
                ledger.restore(vm, lease, config.leaseTtl());
                keptLeases++;
                continue;
            }
            if (lease != null) {
                leasedVms.put(h.id(), lease);
            }
            PooledVm vm = new PooledVm(h.id(), h, adopt ? VmState.REVERTING : VmState.DESTROYING, clock.instant());
            ledger.enter(vm, adopt ? "adopted from an earlier run" : "left by an earlier run");
            if (adopt) {
                pool.work.revert(vm, h);
            } else {
                vm.destroyRunning = true;
                pool.work.destroy(vm, h);
            }
        }
        for (CarriedLease lost : leasedVms.values()) {
            ledger.loseCarried(lost, "its VM " + lost.vmId() + " was not there to adopt when the server started again");
        }
        if (!owned.isEmpty() || !carried.isEmpty()) {
            log.info("Reconcile found {} VM(s) from an earlier run: {}; {} lease(s) kept, {} lost", owned.size(),
                    config.reconcile() == ReconcilePolicy.ADOPT ? "adopting up to the pool size" : "destroying them",
                    keptLeases, leasedVms.size());
        }
    }

    /** Leases past their expiry without a heartbeat end, and their VMs are reverted for the next client. */
    void reclaimExpiredLeases(Instant now) {
        for (Lease lease : ledger.leases()) {
            if (!lease.expiresAt().isAfter(now)) {
                log.warn("Lease {} of VM {} expired without a heartbeat; reclaiming the VM", lease.id(), lease.vmId());
                PooledVm vm = ledger.vm(lease.vmId());
                ledger.endLease(lease, LeaseEndReason.EXPIRED);
                recycle(vm);
            }
        }
    }

    /** Failed destroys whose backoff is over are tried again. */
    void retryDestroys(Instant now) {
        for (PooledVm vm : ledger.allVms()) {
            if (vm.state == VmState.DESTROYING && vm.destroyAttempts > 0 && !vm.destroyRunning
                    && !now.isBefore(vm.nextDestroyAt)) {
                vm.destroyRunning = true;
                pool.work.destroy(vm, vm.handle);
            }
        }
    }

    // ---- what the provider and the health monitor report

    /** The provider says a VM's process or container ended. A report about an earlier incarnation is ignored. */
    void exited(VmExit exit) {
        PooledVm vm = ledger.vm(exit.vmId());
        if (vm == null || (vm.handle == null ? vm.state != VmState.FORKING
                : !vm.handle.backendId().equals(exit.backendId()))) {
            return;
        }
        log.warn("VM {} ended ({}): {}", vm.id, vm.state.name().toLowerCase(java.util.Locale.ROOT), exit.detail());
        switch (vm.state) {
            case WARM, CHECKING, LEASED -> lose(vm, "its " + exit.detail());
            case FORKING -> {
                // The fork sees it and keeps no copy.
                vm.lastError = "its " + exit.detail();
                vm.destroyWhenIdle = true;
            }
            case BOOTING, REVERTING, BROKEN, DESTROYING -> {
                // the boot or revert in flight fails on its own; a VM on its way out is no news
            }
        }
    }

    /** A health check came back; applied only if the VM is still where it was when the check began. */
    void healthChecked(PooledVm vm, VmState checkedIn, String leaseId, VmHealth seen) {
        vm.checkRunning = false;
        if (closed || ledger.vm(vm.id) != vm || vm.state != checkedIn || vm.forksRunning > 0) {
            return;
        }
        if (checkedIn == VmState.CHECKING) {
            if (seen.isHealthy()) {
                offer(vm);
            } else {
                lose(vm, "failed its health check: " + seen.detail());
            }
        } else if (checkedIn == VmState.LEASED && vm.lease != null && vm.lease.id().equals(leaseId)
                && !seen.isHealthy()) {
            lose(vm, "failed its health check: " + seen.detail());
        }
    }

    // ---- what the pool does with its VMs

    /** The VM died: its lease (if any) is lost and the client told on its next call; it is destroyed and replaced. */
    void lose(PooledVm vm, String why) {
        String leaseId = "";
        if (vm.state == VmState.LEASED && vm.lease != null) {
            LostLease lost = ledger.lose(vm.lease, why);
            leaseId = lost.leaseId();
            log.warn("Lease {} lost its VM {}: {}", leaseId, vm.id, why);
        }
        events.add(new PoolEvent.VmLost(vm.id, leaseId, why));
        quarantine(vm, why);
    }

    /** A clean VM is free: the first waiter gets it, else it becomes a warm spare (or goes, if marked to). */
    void offer(PooledVm vm) {
        if (vm.destroyWhenIdle || (closed && destroyOnClose)) {
            startDestroy(vm, closed ? "pool closed" : "stopped on request");
            return;
        }
        Waiter w = closed ? null : ledger.pollWaiter();
        if (w != null) {
            Lease lease = ledger.grant(vm, w.token, Duration.ofNanos(System.nanoTime() - w.sinceNanos), config.leaseTtl());
            w.future.complete(lease);
        } else {
            ledger.transition(vm, VmState.WARM, "ready");
        }
    }

    /**
     * Boots VMs while supply (ready, booting, reverting) falls short of demand (waiters plus spares), there is room
     * and the circuit breaker allows it. A boot the breaker holds back is not started now: a fill runs again when
     * the backoff is over and starts it only if it is still needed then.
     */
    void fill() {
        if (closed || !started) {
            return;
        }
        int supply = ledger.count(VmState.WARM) + ledger.count(VmState.CHECKING) + ledger.count(VmState.BOOTING)
                + ledger.count(VmState.REVERTING);
        int demand = ledger.waiting() + config.warmTarget();
        Instant now = clock.instant();
        while (supply < demand && ledger.size() < config.poolSize()) {
            if (!breaker.allowsBoot(now, ledger.count(VmState.BOOTING))) {
                scheduleFill(breaker.retryAt(), now);
                return;
            }
            String id = "vm-" + java.util.UUID.randomUUID().toString().substring(0, 8);
            PooledVm vm = new PooledVm(id, null, VmState.BOOTING, now);
            ledger.enter(vm, "cold boot");
            Waiter first = ledger.firstWaiter();
            pool.work.boot(vm, first == null ? "" : first.token);
            supply++;
        }
    }

    private void scheduleFill(Instant at, Instant now) {
        if (at.equals(Instant.MIN) || (fillScheduledAt != null && !fillScheduledAt.isAfter(at))) {
            return;
        }
        fillScheduledAt = at;
        long delay = Math.max(1, Duration.between(now, at).toMillis());
        try {
            scheduler.schedule(() -> {
                pool.lock.lock();
                try {
                    fillScheduledAt = null;
                    fill();
                } catch (RuntimeException e) {
                    log.error("Pool refill failed", e);
                } finally {
                    pool.unlockAndDeliver();
                }
            }, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            fillScheduledAt = null;
        }
    }

    /** Spares beyond the warm target idle for longer than POOL_IDLE_RETIRE go, the one idle longest first. */
    void retireIdleSpares(Instant now) {
        if (config.idleRetire().isZero()) {
            return;
        }
        int spares = ledger.count(VmState.WARM);
        for (PooledVm vm : ledger.warmVms().stream().sorted(java.util.Comparator.comparing(v -> v.idleSince)).toList()) {
            if (spares <= config.warmTarget()) {
                return;
            }
            if (!vm.idleSince.plus(config.idleRetire()).isAfter(now)) {
                startDestroy(vm, "idle for " + Duration.between(vm.idleSince, now).toSeconds()
                        + " s beyond the " + config.warmTarget() + " warm spare(s)");
                spares--;
            }
        }
    }

    /**
     * A VM whose lease ended: reverted for the next client, or, for a fork's copy while the pool has its spares
     * without it, destroyed (the copy would only be a spare above the warm target).
     */
    void recycle(PooledVm vm) {
        int supply = ledger.count(VmState.WARM) + ledger.count(VmState.CHECKING) + ledger.count(VmState.BOOTING)
                + ledger.count(VmState.REVERTING);
        if (vm.forked && supply >= config.warmTarget() + ledger.waiting()) {
            startDestroy(vm, "a fork's copy, released while the pool has its " + config.warmTarget() + " spare(s)");
        } else {
            startRevert(vm);
        }
    }

    void startRevert(PooledVm vm) {
        ledger.transition(vm, VmState.REVERTING, "reverting to '" + config.snapshot() + "'");
        pool.work.revert(vm, vm.handle);
    }

    void quarantine(PooledVm vm, String why) {
        vm.lastError = why;
        log.warn("VM {} quarantined: {}", vm.id, why);
        ledger.transition(vm, VmState.BROKEN, why);
        startDestroy(vm, why);
    }

    void startDestroy(PooledVm vm, String why) {
        ledger.transition(vm, VmState.DESTROYING, why);
        if (vm.handle == null) {
            leave(vm);
            return;
        }
        if (vm.destroyRunning) {
            return;
        }
        vm.destroyRunning = true;
        pool.work.destroy(vm, vm.handle);
    }

    /** The VM is gone for good; a replacement boots if spares are due. */
    void leave(PooledVm vm) {
        ledger.leave(vm);
        fill();
    }

}
