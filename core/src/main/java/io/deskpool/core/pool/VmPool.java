package io.deskpool.core.pool;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.VmExit;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

import static java.util.Objects.requireNonNull;

/**
 * N clients share M VMs. Clients acquire a VM under a lease (first come, first served, up to a deadline),
 * renew it by heartbeat and release it; a released VM goes back to its clean snapshot before anyone else gets it.
 * VMs that fail are quarantined, destroyed and replaced in the background; a number of warm spares is kept ready;
 * cold boots run with bounded concurrency behind a circuit breaker; per-token quotas refuse acquires beyond a
 * token's limit at once.
 *
 * <p>VMs are watched: the provider reports a VM whose process ends, a {@link HealthMonitor} checks every VM every
 * health interval, and a warm VM is checked before it is handed out. A dead leased VM loses its lease (the
 * client's next call is told, {@link LostLease}) and is replaced. Spares beyond the warm target that stay idle are
 * retired.
 *
 * <p>All state sits behind one lock that is never held across a provider call: boots, reverts, destroys and
 * health checks run on the pool's threads ({@link PoolWork}) and report back under the lock. Events go to
 * listeners after the lock is released.
 */
public final class VmPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VmPool.class);

    private final Provider provider;
    private final PoolConfig config;
    private final TokenQuotas quotas;
    private final Clock clock;
    private final UnaryOperator<String> tokenLabel;
    private final PoolEvents events = new PoolEvents();

    final ReentrantLock lock = new ReentrantLock();
    final PoolLedger ledger;
    final CircuitBreaker breaker;
    final PoolPolicy policy;
    final PoolWork work;
    final HealthMonitor health;
    private final PoolForks forks;
    private final ScheduledExecutorService housekeeper;

    /** A pool whose VMs carry no token label. */
    public VmPool(Provider provider, PoolConfig config, TokenQuotas quotas, Clock clock) {
        this(provider, config, quotas, clock, token -> "");
    }

    /**
     * {@code tokenLabel} names a token on the labels ({@link io.deskpool.core.spi.VmLabels#TOKEN}) of the VMs booted
     * for it: a keyed label, never the token, since labels and tags are read by whoever lists containers or
     * instances; "" leaves the label off.
     */
    public VmPool(Provider provider, PoolConfig config, TokenQuotas quotas, Clock clock, UnaryOperator<String> tokenLabel) {
        this.tokenLabel = requireNonNull(tokenLabel, "tokenLabel is null");
        this.provider = requireNonNull(provider, "provider is null");
        this.config = requireNonNull(config, "config is null");
        this.quotas = requireNonNull(quotas, "quotas is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.ledger = new PoolLedger(events, clock);
        this.breaker = new CircuitBreaker(config.breakerThreshold(), config.bootBackoff(), config.maxBootBackoff());
        this.housekeeper = Executors.newSingleThreadScheduledExecutor(PoolThreads.named("deskpool-housekeeper"));
        this.policy = new PoolPolicy(this, housekeeper);
        this.work = new PoolWork(this, provider, provider.baseSpec());
        this.health = new HealthMonitor(this, provider);
        this.forks = new PoolForks(this, provider);
    }

    public void addListener(PoolListener listener) {
        events.addListener(listener);
    }

    public PoolConfig config() {
        return config;
    }

    public TokenQuotas quotas() {
        return quotas;
    }

    public Provider provider() {
        return provider;
    }

        Clock clock() {
        return clock;
    }

    /** How a token is named on its VMs' labels ("" = not at all). */
    String tokenLabel(String token) {
        return token.isEmpty() ? "" : tokenLabel.apply(token);
    }

    PoolEvents events() {
        return events;
    }

    /**
     * Starts watching the provider's VMs, reconciles with the VMs it already holds for this owner (adopting or
     * destroying them by policy), then starts booting warm spares. Call once.
     */
    public void start() {
        start(List.of());
    }

    /**
     * As {@link #start()}, with the leases an earlier run granted: an adopted VM one of them names stays leased to
     * that client, unreverted, for a full lease TTL from now; a lease whose VM is not adopted is lost (the client's
     * next call gets {@code VM_LOST}).
     */
    public void start(Collection<CarriedLease> carried) {
        boolean exitsReported = provider.watchExits(this::vmExited);
        List<VmHandle> owned = provider.listOwned();
        lock.lock();
        try {
            if (policy.started) {
                throw new DeskpoolException(ErrorCode.INTERNAL, "pool already started");
            }
            policy.started = true;
            policy.reconcile(owned, carried);
            policy.fill();
        } finally {
            unlockAndDeliver();
        }
        log.info("Watching VMs: {}; health checks {}", exitsReported ? "the provider reports exits at once"
                        : "the provider does not report exits",
                config.healthInterval().isZero() ? "off" : "every " + config.healthInterval().toMillis() / 1000.0 + " s");
        if (!config.housekeeping().isZero()) {
            long ms = config.housekeeping().toMillis();
            housekeeper.scheduleWithFixedDelay(this::housekeepQuietly, ms, ms, TimeUnit.MILLISECONDS);
        }
        health.start(config.healthInterval());
    }

    /**
     * Takes a clean VM for {@code token}, waiting up to {@code maxWait} for one. A warm spare is checked first
     * (bounded by the health timeout); one that fails is quarantined and the next is tried.
     *
     * @throws DeskpoolException {@code QUOTA_EXCEEDED} at once when the token holds its limit,
     *                           {@code ACQUIRE_TIMEOUT} when nothing was free in time (with the pool's state)
     */
    public Lease acquire(String token, Duration maxWait) {
        requireToken(token);
        requireNonNull(maxWait, "maxWait is null");
        if (maxWait.isNegative()) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "wait must not be negative, got " + maxWait);
        }
        long startNanos = System.nanoTime();
        long deadline = startNanos + maxWait.toNanos();
        boolean reserved = false;
        while (true) {
            PooledVm spare;
            Waiter waiter = null;
            lock.lock();
            try {
                if (!reserved) {
                    ensureOpen();
                    int limit = quotas.limit(token);
                    int used = ledger.held(token);
                    if (used >= limit) {
                        events.add(new PoolEvent.QuotaRejected(token, used, limit));
                        throw new DeskpoolException(ErrorCode.QUOTA_EXCEEDED,
                                "token quota exceeded: " + used + "/" + limit + " VMs in use or requested");
                    }
                    ledger.reserve(token);
                    reserved = true;
                } else if (policy.closed) {
                    ledger.unreserve(token);
                    throw new DeskpoolException(ErrorCode.POOL_CLOSED, "the pool is shutting down");
                }
                spare = ledger.hasWaiters() ? null : ledger.firstWarm();
                if (spare != null && config.healthTimeout().isZero()) {
                    Lease lease = ledger.grant(spare, token, Duration.ofNanos(System.nanoTime() - startNanos), config.leaseTtl());
                    policy.fill();
                    return lease;
                }
                if (spare != null) {
                    // Reserved before it is touched: nobody else can take it, retire it or check it meanwhile.
                    ledger.transition(spare, VmState.CHECKING, "checked before hand-out");
                    spare.checkRunning = true;
                } else {
                    waiter = new Waiter(token, startNanos);
                    ledger.addWaiter(waiter);
                    policy.fill();
                }
            } finally {
                unlockAndDeliver();
            }
            if (waiter != null) {
                return awaitHandoff(waiter, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
            VmHealth seen = health.check(spare);
            lock.lock();
            try {
                spare.checkRunning = false;
                if (spare.state == VmState.CHECKING) {
                    if (seen.isHealthy() && !policy.closed) {
                        Lease lease = ledger.grant(spare, token, Duration.ofNanos(System.nanoTime() - startNanos),
                                config.leaseTtl());
                        policy.fill();
                        return lease;
                    }
                    if (seen.isHealthy()) {
                        policy.offer(spare);
                    } else {
                        events.add(new PoolEvent.VmLost(spare.id, "", seen.detail()));
                        policy.quarantine(spare, "failed its check before hand-out: " + seen.detail());
                    }
                }
                // Else it was taken away during the check (its process ended, an admin stopped it): try the next.
            } finally {
                unlockAndDeliver();
            }
        }
    }

    private Lease awaitHandoff(Waiter waiter, Duration maxWait) {
        try {
            return waiter.future.get(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return giveUp(waiter, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return giveUp(waiter, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof DeskpoolException de ? de
                    : new DeskpoolException(ErrorCode.INTERNAL, "acquire failed: " + e.getCause(), e.getCause());
        }
    }

    /** The waiter's time is up. A VM handed over at the last moment is kept, unless the caller was interrupted. */
    private Lease giveUp(Waiter waiter, InterruptedException interrupted) {
        lock.lock();
        try {
            if (waiter.future.isDone() && !waiter.future.isCompletedExceptionally()) {
                Lease lease = waiter.future.join();
                if (interrupted == null) {
                    return lease;
                }
                // Never used: straight back to the pool without a revert.
                PooledVm vm = ledger.vm(lease.vmId());
                ledger.endLease(lease, LeaseEndReason.RELEASED);
                policy.offer(vm);
            }
            String state = ledger.describe(config.poolSize(), breaker.status(clock.instant()));
            if (!waiter.future.isDone()) {
                ledger.removeWaiter(waiter);
                ledger.unreserve(waiter.token);
            }
            Duration waited = Duration.ofNanos(System.nanoTime() - waiter.sinceNanos);
            events.add(new PoolEvent.AcquireTimedOut(waiter.token, waited));
            if (interrupted != null) {
                throw new DeskpoolException(ErrorCode.ACQUIRE_TIMEOUT, "interrupted while waiting for a VM", interrupted);
            }
            throw new DeskpoolException(ErrorCode.ACQUIRE_TIMEOUT, "no VM became free within "
                    + waited.toMillis() + " ms (" + state + ")");
        } finally {
            unlockAndDeliver();
        }
    }

    /**
     * Forks the VM of {@code token}'s lease into {@code count} copies with its memory, device and disk state, each
     * leased straight to the token, checked before hand-out like any spare; see {@link PoolForks}. The parent's
     * lease goes on unchanged.
     *
     * @throws DeskpoolException {@code UNSUPPORTED_BY_PROVIDER} when the provider cannot fork, {@code QUOTA_EXCEEDED}
     *                           or {@code POOL_FULL} when the token or the pool cannot take {@code count} more VMs
     *                           (all before anything starts), or why the fork failed (no copy is kept)
     */
    public List<Lease> fork(String leaseId, String token, int count, Duration readyTimeout) {
        return fork(leaseId, token, count, readyTimeout, List.of());
    }

    /**
     * As {@link #fork(String, String, int, Duration)}, the copies taking the place of the token's leases
     * {@code replacing} (a collector's slots that hold other episodes): quota and room are reckoned without them,
     * and once both allow the fork those leases end (their VMs destroyed where the copies need the room, else
     * recycled), whether the fork then succeeds or not.
     */
    public List<Lease> fork(String leaseId, String token, int count, Duration readyTimeout, List<String> replacing) {
        requireToken(token);
        requireNonNull(readyTimeout, "readyTimeout is null");
        return forks.fork(leaseId, token, count, readyTimeout, List.copyOf(replacing));
    }

    /** Extends a lease by the lease TTL from now. A lease whose VM died fails with {@code VM_LOST}. */
    public Lease heartbeat(String leaseId, String token) {
        lock.lock();
        try {
            return ledger.renew(ledger.ownedLease(leaseId, token), clock.instant().plus(config.leaseTtl()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives the VM back; it is reverted to its clean snapshot before anyone else gets it (a fork's copy is destroyed
     * instead while the pool has its spares).
     */
    public void release(String leaseId, String token) {
        endAndRecycle(leaseId, token, LeaseEndReason.RELEASED, "");
    }

    /** The client found the VM broken: it is quarantined, destroyed and replaced. */
    public void markBroken(String leaseId, String token, String reason) {
        endAndRecycle(leaseId, token, LeaseEndReason.MARKED_BROKEN, reason == null ? "" : reason);
    }

    /** Ends a lease whatever its token (administrators, reclaim); the VM is reverted and reused. */
    public void forceRelease(String leaseId) {
        endAndRecycle(leaseId, null, LeaseEndReason.RELEASED, "");
    }

    private void endAndRecycle(String leaseId, String token, LeaseEndReason reason, String detail) {
        lock.lock();
        try {
            Lease lease = token == null ? ledger.knownLease(leaseId) : ledger.ownedLease(leaseId, token);
            PooledVm vm = ledger.vm(lease.vmId());
            ledger.endLease(lease, reason);
            if (reason == LeaseEndReason.MARKED_BROKEN) {
                policy.quarantine(vm, "marked broken by its client" + (detail.isBlank() ? "" : ": " + detail));
            } else {
                policy.recycle(vm);
            }
        } finally {
            unlockAndDeliver();
        }
    }

    /** Destroys a VM whatever its state, ending its lease; the pool boots a replacement if spares are due. */
    public void destroyVm(String vmId) {
        lock.lock();
        try {
            PooledVm vm = ledger.vm(vmId);
            if (vm == null) {
                throw new DeskpoolException(ErrorCode.UNKNOWN_VM, "no VM with id '" + vmId + "' in the pool");
            }
            switch (vm.state) {
                case LEASED -> {
                    ledger.endLease(vm.lease, LeaseEndReason.VM_STOPPED);
                    policy.startDestroy(vm, "stopped on request");
                }
                case WARM, CHECKING -> policy.startDestroy(vm, "stopped on request");
                case BOOTING, REVERTING, FORKING -> vm.destroyWhenIdle = true;
                case BROKEN, DESTROYING -> {
                    // already on its way out
                }
            }
        } finally {
            unlockAndDeliver();
        }
    }

    /**
     * Reclaims expired leases, retries failed destroys whose backoff is over, retires spares above the warm target
     * that stayed idle too long, and refills spares. Runs on its own every housekeeping interval.
     */
    public void housekeep() {
        lock.lock();
        try {
            if (policy.closed) {
                return;
            }
            Instant now = clock.instant();
            policy.reclaimExpiredLeases(now);
            policy.retryDestroys(now);
            policy.retireIdleSpares(now);
            policy.fill();
        } finally {
            unlockAndDeliver();
        }
    }

    private void housekeepQuietly() {
        try {
            housekeep();
        } catch (RuntimeException e) {
            log.error("Pool housekeeping failed", e);
        }
    }

    /** Runs one round of health checks over every warm and leased VM now and applies what they found. */
    public void checkHealth() {
        health.runRound();
    }

    public PoolStatus status() {
        lock.lock();
        try {
            return ledger.status(config, quotas, breaker.status(clock.instant()));
        } finally {
            lock.unlock();
        }
    }

    public List<VmView> vms() {
        lock.lock();
        try {
            return ledger.views();
        } finally {
            lock.unlock();
        }
    }

    public Optional<VmView> vm(String vmId) {
        lock.lock();
        try {
            return Optional.ofNullable(ledger.vm(vmId)).map(PooledVm::view);
        } finally {
            lock.unlock();
        }
    }

    public Optional<Lease> lease(String leaseId) {
        lock.lock();
        try {
            return ledger.lease(leaseId);
        } finally {
            lock.unlock();
        }
    }

    /** The lease with this id if its VM died under it (remembered for the last 10,000 such leases). */
    public Optional<LostLease> lostLease(String leaseId) {
        lock.lock();
        try {
            return ledger.lostLease(leaseId);
        } finally {
            lock.unlock();
        }
    }

    public List<Lease> leases() {
        lock.lock();
        try {
            return ledger.leases();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the pool and destroys every VM it holds, waiting up to {@code maxWait} for the destroys. */
    @Override
    public void close() {
        close(true, Duration.ofMinutes(2));
    }

    /**
     * Stops the pool. Waiting acquires fail with {@code POOL_CLOSED}. With {@code destroyVms} every VM is destroyed
     * (waiting up to {@code maxWait}); without it they are left running for the next start to adopt.
     */
    public void close(boolean destroyVms, Duration maxWait) {
        lock.lock();
        try {
            if (policy.closed) {
                return;
            }
            policy.closed = true;
            policy.destroyOnClose = destroyVms;
            for (Waiter w : ledger.drainWaiters()) {
                w.future.completeExceptionally(new DeskpoolException(ErrorCode.POOL_CLOSED, "the pool is shutting down"));
            }
            for (Lease lease : ledger.leases()) {
                ledger.endLease(lease, LeaseEndReason.POOL_CLOSED);
            }
        } finally {
            unlockAndDeliver();
        }
        housekeeper.shutdownNow();
        health.stop();
        long deadline = System.nanoTime() + maxWait.toNanos();
        // Boots in flight are interrupted; a boot that fails or finishes now hands its VM to a destroy itself.
        work.stopBoots(deadline);
        if (destroyVms) {
            lock.lock();
            try {
                for (PooledVm vm : ledger.allVms()) {
                    if (vm.handle != null && !vm.destroyRunning) {
                        policy.startDestroy(vm, "pool closed");
                    }
                }
            } finally {
                unlockAndDeliver();
            }
        }
        if (!work.awaitQuiet(deadline)) {
            log.error("Not every VM was destroyed within {} s; the next start reconciles them", maxWait.toSeconds());
        }
    }

    void unlockAndDeliver() {
        lock.unlock();
        events.deliver();
    }

    /** The provider says a VM's process or container ended; called on the provider's threads. */
    private void vmExited(VmExit exit) {
        lock.lock();
        try {
            policy.exited(exit);
        } finally {
            unlockAndDeliver();
        }
    }

    void ensureOpen() {
        if (policy.closed) {
            throw new DeskpoolException(ErrorCode.POOL_CLOSED, "the pool is shutting down");
        }
        if (!policy.started) {
            throw new DeskpoolException(ErrorCode.POOL_CLOSED, "the pool has not been started");
        }
    }

    static void requireToken(String token) {
        if (token == null || token.isBlank()) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "a token is required");
        }
    }
}
