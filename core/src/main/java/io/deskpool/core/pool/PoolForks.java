package io.deskpool.core.pool;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.spi.ForkRequest;
import io.deskpool.core.spi.ForkSupport;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmHealth;
import io.deskpool.core.spi.VmLabels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Forks in the pool: copies of a leased VM, leased straight to the lease's token. All or nothing, decided before
 * anything starts: the provider must be able to fork (else {@code UNSUPPORTED_BY_PROVIDER}, 501), the token's quota
 * must take {@code count} more VMs (else {@code QUOTA_EXCEEDED}, 429), and so must {@code POOL_SIZE}, where idle
 * spares make room (they are destroyed) and every other VM counts (else {@code POOL_FULL}, 503). The copies count
 * against both from then on. Each copy is checked like a spare before it is handed out; when the provider fails,
 * a copy fails its check or dies, or the pool closes meanwhile, no copy is kept and the reservations are given
 * back. A released copy is destroyed while the pool has its spares, else reverted like any VM
 * ({@link PoolPolicy#recycle}). A fork may take the place of other leases of the token (a collector's slots): they
 * are left out of both reckonings and end once the fork is allowed.
 */
final class PoolForks {
    private static final Logger log = LoggerFactory.getLogger(PoolForks.class);

    private final VmPool pool;
    private final Provider provider;
    private final PoolConfig config;

    PoolForks(VmPool pool, Provider provider) {
        this.pool = pool;
        this.provider = provider;
        this.config = pool.config();
    }

    List<Lease> fork(String leaseId, String token, int count, Duration readyTimeout, List<String> replacing) {
        if (count < 1) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "a fork makes at least 1 copy, got " + count);
        }
        if (readyTimeout.isNegative() || readyTimeout.isZero()) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "the ready timeout must be positive, got "
                    + readyTimeout);
        }
        ForkSupport support = provider.forkSupport();
        PooledVm parent;
        VmHandle parentHandle;
        List<PooledVm> copies = new ArrayList<>();
        pool.lock.lock();
        try {
            pool.ensureOpen();
            Lease lease = pool.ledger.ownedLease(leaseId, token);
            parent = pool.ledger.vm(lease.vmId());
            if (!support.supported()) {
                throw new DeskpoolException(ErrorCode.UNSUPPORTED_BY_PROVIDER, "The " + provider.name()
                        + " provider cannot fork VMs: " + support.reason());
            }
            List<PooledVm> replaced = replaced(lease, token, replacing);
            checkQuota(token, count, replaced.size());
            makeRoom(parent.id, count, replaced);
            for (int i = 0; i < count; i++) {
                pool.ledger.reserve(token);
                PooledVm copy = new PooledVm("vm-" + UUID.randomUUID().toString().substring(0, 8), null,
                        VmState.FORKING, pool.clock().instant());
                copy.forked = true;
                pool.ledger.enter(copy, "forking from " + parent.id);
                copies.add(copy);
            }
            parent.forksRunning++;
            parentHandle = parent.handle;
        } finally {
            pool.unlockAndDeliver();
        }
        long start = System.nanoTime();
        List<String> ids = copies.stream().map(c -> c.id).toList();
        log.info("Forking VM {} into {} for a client", parent.id, ids);
        List<VmHandle> handles;
        try {
            handles = provider.fork(new ForkRequest(parentHandle, ids, Map.of(VmLabels.TOKEN, token), readyTimeout));
            if (handles.size() != count) {
                throw new DeskpoolException(ErrorCode.PROVIDER_ERROR, "the " + provider.name() + " provider made "
                        + handles.size() + " copies, not " + count);
            }
        } catch (RuntimeException e) {
            giveBack(parent, token, copies, start, e);
            throw e;
        }
        return handOut(parent, token, copies, handles, start);
    }

    /** The VMs of the token's leases the copies take the place of (checked: the token's, distinct, not the parent's). */
    private List<PooledVm> replaced(Lease parent, String token, List<String> replacing) {
        if (replacing.size() != new java.util.HashSet<>(replacing).size()) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "the leases to replace must be distinct");
        }
        var out = new ArrayList<PooledVm>();
        for (String id : replacing) {
            if (id.equals(parent.id())) {
                throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "a fork cannot replace its own parent");
            }
            out.add(pool.ledger.vm(pool.ledger.ownedLease(id, token).vmId()));
        }
        return out;
    }

    private void checkQuota(String token, int count, int freed) {
        int used = pool.ledger.held(token) - freed;
        int limit = pool.quotas().limit(token);
        if (used + count > limit) {
            pool.events().add(new PoolEvent.QuotaRejected(token, used, limit));
            throw new DeskpoolException(ErrorCode.QUOTA_EXCEEDED, "token quota exceeded: a fork into " + count
                    + " copies needs " + count + " more VMs, the token holds or waits for " + used + " of " + limit);
        }
    }

    /**
     * Ends the replaced leases and makes room for {@code count} more VMs in POOL_SIZE: the replaced VMs go first
     * (they would need a revert), then idle spares (those idle longest first); replaced VMs not needed for room are
     * recycled like any released VM. Refuses, changing nothing, when even that is not enough.
     */
    private void makeRoom(String parentId, int count, List<PooledVm> replaced) {
        List<PooledVm> spares = Stream.concat(replaced.stream(), Stream.concat(pool.ledger.warmVms().stream(),
                pool.ledger.allVms().stream().filter(vm -> vm.state == VmState.CHECKING)
                        .sorted(Comparator.comparing(vm -> vm.idleSince)))).toList();
        int occupied = pool.ledger.size() - spares.size();
        if (occupied + count > config.poolSize()) {
            throw new DeskpoolException(ErrorCode.POOL_FULL, "the pool has no room for " + count + " copies: "
                    + occupied + " of POOL_SIZE=" + config.poolSize() + " VMs are leased, being made, reverted or "
                    + "removed, which leaves room for " + Math.max(0, config.poolSize() - occupied));
        }
        int excess = pool.ledger.size() + count - config.poolSize();
        for (int i = 0; i < spares.size(); i++) {
            PooledVm vm = spares.get(i);
            boolean wasReplaced = i < replaced.size();
            if (wasReplaced) {
                pool.ledger.endLease(vm.lease, LeaseEndReason.RELEASED);
            }
            if (i < excess) {
                // A spare under a check: the check's answer is dropped, as for an administrator's stop.
                pool.policy.startDestroy(vm, "making room for a fork of " + parentId);
            } else if (wasReplaced) {
                pool.policy.recycle(vm);
            }
        }
    }

    /** Checks every copy as a spare is checked before hand-out, then leases them all or keeps none. */
    private List<Lease> handOut(PooledVm parent, String token, List<PooledVm> copies, List<VmHandle> handles,
                                long start) {
        pool.lock.lock();
        try {
            for (int i = 0; i < copies.size(); i++) {
                copies.get(i).handle = handles.get(i);
            }
        } finally {
            pool.lock.unlock();
        }
        List<VmHealth> seen = config.healthTimeout().isZero()
                ? handles.stream().map(h -> VmHealth.healthy("not checked")).toList()
                : pool.health.checkAll(handles);
        pool.lock.lock();
        try {
            parent.forksRunning--;
            String failure = failure(copies, seen);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            List<String> ids = copies.stream().map(c -> c.id).toList();
            if (failure != null) {
                for (PooledVm copy : copies) {
                    pool.ledger.unreserve(token);
                    if (copy.state == VmState.FORKING) {
                        pool.policy.quarantine(copy, "a copy of a fork that failed: " + failure);
                    }
                }
                pool.events().add(new PoolEvent.ForkFinished(parent.id, ids, false, took, failure));
                log.warn("Fork of VM {} into {} failed after {} ms, no copy is kept: {}", parent.id, ids,
                        took.toMillis(), failure);
                throw new DeskpoolException(pool.policy.closed ? ErrorCode.POOL_CLOSED : ErrorCode.PROVIDER_ERROR,
                        "Fork of VM " + parent.id + " into " + copies.size() + " copies failed: " + failure
                                + " (no copy was kept; the parent runs on)");
            }
            var leases = new ArrayList<Lease>();
            for (PooledVm copy : copies) {
                leases.add(pool.ledger.grant(copy, token, Duration.ZERO, config.leaseTtl()));
            }
            pool.events().add(new PoolEvent.ForkFinished(parent.id, ids, true, took, "leased to the parent's token"));
            log.info("VM {} forked into {} in {} ms, leased to the parent's token", parent.id, ids, took.toMillis());
            pool.policy.fill();
            return leases;
        } finally {
            pool.unlockAndDeliver();
        }
    }

    /** Why the copies cannot be handed out, or null when they all can. */
    private String failure(List<PooledVm> copies, List<VmHealth> seen) {
        if (pool.policy.closed) {
            return "the pool is shutting down";
        }
        for (int i = 0; i < copies.size(); i++) {
            PooledVm copy = copies.get(i);
            if (copy.state != VmState.FORKING || copy.destroyWhenIdle) {
                return "copy " + copy.id + (copy.lastError.isEmpty() ? " was stopped meanwhile" : ": " + copy.lastError);
            }
            if (!seen.get(i).isHealthy()) {
                return "copy " + copy.id + " failed its check before hand-out: " + seen.get(i).detail();
            }
        }
        return null;
    }

    /** The provider failed and kept no copy: the copies leave the pool and the token's reservations are given back. */
    private void giveBack(PooledVm parent, String token, List<PooledVm> copies, long start, RuntimeException e) {
        pool.lock.lock();
        try {
            parent.forksRunning--;
            for (PooledVm copy : copies) {
                pool.ledger.unreserve(token);
                pool.ledger.leave(copy);
            }
            String why = PoolWork.message(e);
            pool.events().add(new PoolEvent.ForkFinished(parent.id, copies.stream().map(c -> c.id).toList(), false,
                    Duration.ofNanos(System.nanoTime() - start), why));
            log.warn("Fork of VM {} failed: {}", parent.id, why);
            pool.policy.fill();
        } finally {
            pool.unlockAndDeliver();
        }
    }
}
