package io.deskpool.core.pool;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;

/**
 * What the pool knows: its VMs and their states, the warm spares in the order they became free, the waiting
 * clients in arrival order, the leases, and how many VMs each token holds or waits for. Not thread-safe: every
 * method is called with the pool's lock held. State changes are queued as events.
 */
final class PoolLedger {
    private static final int MAX_LOST_LEASES = 10_000;
    private final Map<String, PooledVm> vms = new LinkedHashMap<>();
    private final ArrayDeque<PooledVm> warm = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final Map<String, Lease> leases = new HashMap<>();
    private final Map<String, Integer> held = new HashMap<>();
    /** Leases whose VM died, so the client's next call is told; the oldest are forgotten past a bound. */
    private final Map<String, LostLease> lost = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, LostLease> eldest) {
            return size() > MAX_LOST_LEASES;
        }
    };
    private int lostCount;
    private final EnumMap<VmState, Integer> counts = new EnumMap<>(VmState.class);
    private final PoolEvents events;
    private final Clock clock;

    PoolLedger(PoolEvents events, Clock clock) {
        this.events = events;
        this.clock = clock;
    }

    // ---- VMs and their states

    PooledVm vm(String id) {
        return vms.get(id);
    }

    List<PooledVm> allVms() {
        return List.copyOf(vms.values());
    }

    int size() {
        return vms.size();
    }

    int count(VmState state) {
        return counts.getOrDefault(state, 0);
    }

    void enter(PooledVm vm, String why) {
        vms.put(vm.id, vm);
        counts.merge(vm.state, 1, Integer::sum);
        events.add(new PoolEvent.VmStateChanged(vm.id, null, vm.state, why));
    }

    void leave(PooledVm vm) {
        if (vms.remove(vm.id) != null) {
            counts.computeIfPresent(vm.state, (s, n) -> n > 1 ? n - 1 : null);
            events.add(new PoolEvent.VmStateChanged(vm.id, vm.state, null, "removed"));
        }
    }

    void transition(PooledVm vm, VmState to, String why) {
        VmState from = vm.state;
        if (from == to) {
            return;
        }
        if (from == VmState.WARM) {
            warm.remove(vm);
        }
        counts.computeIfPresent(from, (s, n) -> n > 1 ? n - 1 : null);
        counts.merge(to, 1, Integer::sum);
        vm.state = to;
        vm.stateSince = clock.instant();
        if (to == VmState.WARM) {
            warm.addLast(vm);
            if (from != VmState.CHECKING) {
                vm.idleSince = vm.stateSince;
            }
        }
        events.add(new PoolEvent.VmStateChanged(vm.id, from, to, why));
    }

    /** The spare that has been free longest, or null. */
    PooledVm firstWarm() {
        return warm.peekFirst();
    }

    /** The spares, the one free longest first. */
    List<PooledVm> warmVms() {
        return List.copyOf(warm);
    }

    // ---- waiting clients

    boolean hasWaiters() {
        return !waiters.isEmpty();
    }

    int waiting() {
        return waiters.size();
    }

    void addWaiter(Waiter w) {
        waiters.addLast(w);
    }

    Waiter pollWaiter() {
        return waiters.pollFirst();
    }

    Waiter firstWaiter() {
        return waiters.peekFirst();
    }

    boolean removeWaiter(Waiter w) {
        return waiters.remove(w);
    }

    List<Waiter> drainWaiters() {
        List<Waiter> all = List.copyOf(waiters);
        waiters.clear();
        return all;
    }

    // ---- tokens: VMs held or waited for

    int held(String token) {
        return held.getOrDefault(token, 0);
    }

    void reserve(String token) {
        held.merge(token, 1, Integer::sum);
    }

    void unreserve(String token) {
        held.computeIfPresent(token, (t, n) -> n > 1 ? n - 1 : null);
    }

    // ---- leases

    /** Leases {@code vm} to {@code token}, whose reservation the lease now carries. */
    Lease grant(PooledVm vm, String token, Duration waited, Duration ttl) {
        Instant now = clock.instant();
        Lease lease = new Lease("lease-" + UUID.randomUUID(), vm.id, token, now, now.plus(ttl), vm.handle);
        vm.lease = lease;
        leases.put(lease.id(), lease);
        transition(vm, VmState.LEASED, "leased");
        events.add(new PoolEvent.LeaseGranted(lease, waited));
        return lease;
    }

    void endLease(Lease lease, LeaseEndReason reason) {
        leases.remove(lease.id());
        unreserve(lease.token());
        PooledVm vm = vms.get(lease.vmId());
        if (vm != null && vm.lease != null && vm.lease.id().equals(lease.id())) {
            vm.lease = null;
        }
        events.add(new PoolEvent.LeaseEnded(lease, reason));
    }

    /** Puts back a lease an earlier run granted, on its adopted VM (already entered as LEASED); lives a full TTL from now. */
    Lease restore(PooledVm vm, CarriedLease carried, Duration ttl) {
        Lease lease = new Lease(carried.leaseId(), vm.id, carried.token(), carried.grantedAt(), clock.instant().plus(ttl),
                vm.handle);
        vm.lease = lease;
        leases.put(lease.id(), lease);
        reserve(carried.token());
        return lease;
    }

    /** A lease an earlier run granted whose VM did not survive: the client's next call is told. */
    void loseCarried(CarriedLease carried, String why) {
        lost.put(carried.leaseId(), new LostLease(carried.leaseId(), carried.vmId(), carried.token(), clock.instant(), why));
        lostCount++;
    }

    /** Ends the lease because its VM died and remembers it, so the client's next call is told why. */
    LostLease lose(Lease lease, String why) {
        endLease(lease, LeaseEndReason.VM_LOST);
        LostLease record = new LostLease(lease.id(), lease.vmId(), lease.token(), clock.instant(), why);
        lost.put(lease.id(), record);
        lostCount++;
        return record;
    }

    Optional<LostLease> lostLease(String id) {
        return Optional.ofNullable(id == null ? null : lost.get(id));
    }

    Lease renew(Lease lease, Instant until) {
        Lease renewed = lease.renewedUntil(until);
        leases.put(lease.id(), renewed);
        vms.get(lease.vmId()).lease = renewed;
        return renewed;
    }

    Optional<Lease> lease(String id) {
        return Optional.ofNullable(id == null ? null : leases.get(id));
    }

    List<Lease> leases() {
        return List.copyOf(leases.values());
    }

    /** The active lease; a lost one fails with VM_LOST, an unknown one with UNKNOWN_LEASE. */
    Lease knownLease(String leaseId) {
        Optional<Lease> lease = lease(leaseId);
        if (lease.isPresent()) {
            return lease.get();
        }
        LostLease gone = lost.get(leaseId);
        if (gone != null) {
            throw gone.error();
        }
        throw new DeskpoolException(ErrorCode.UNKNOWN_LEASE, "no active lease with id '" + leaseId + "'");
    }

    /** As {@link #knownLease} for the lease's own token; another token's lease, lost or not, is NOT_LEASE_OWNER. */
    Lease ownedLease(String leaseId, String token) {
        String owner = lease(leaseId).map(Lease::token)
                .orElseGet(() -> lostLease(leaseId).map(LostLease::token).orElse(token));
        if (!owner.equals(token)) {
            throw new DeskpoolException(ErrorCode.NOT_LEASE_OWNER, "lease '" + leaseId + "' belongs to another token");
        }
        return knownLease(leaseId);
    }

    // ---- snapshots

    String describe(int poolSize, BreakerStatus breaker) {
        String boots = switch (breaker.state()) {
            case CLOSED -> breaker.retryAt().map(t -> ", next boot after " + t).orElse("");
            case OPEN -> ", circuit breaker open after " + breaker.failures() + " failures"
                    + breaker.retryAt().map(t -> " until " + t).orElse("");
            case HALF_OPEN -> ", circuit breaker half open (one trial boot at a time)";
        };
        return "total=" + vms.size() + "/" + poolSize + ", leased=" + count(VmState.LEASED)
                + ", warm=" + warm.size() + ", booting=" + count(VmState.BOOTING)
                + ", reverting=" + count(VmState.REVERTING)
                + (count(VmState.FORKING) > 0 ? ", forking=" + count(VmState.FORKING) : "") + ", waiting=" + waiters.size() + boots
                + (breaker.lastFailure().isEmpty() || breaker.failures() == 0 ? ""
                : ", last boot or revert failure: " + breaker.lastFailure());
    }

    PoolStatus status(PoolConfig config, TokenQuotas quotas, BreakerStatus breaker) {
        var tokens = new ArrayList<TokenUsage>();
        var names = new TreeSet<>(quotas.limits().keySet());
        names.addAll(held.keySet());
        for (String t : names) {
            tokens.add(new TokenUsage(t, held(t), quotas.limit(t)));
        }
        var failedDestroys = new ArrayList<FailedDestroy>();
        for (PooledVm vm : vms.values()) {
            if (vm.state == VmState.DESTROYING && vm.destroyAttempts > 0) {
                failedDestroys.add(new FailedDestroy(vm.id, vm.destroyAttempts, vm.lastError, vm.nextDestroyAt));
            }
        }
        return new PoolStatus(config.poolSize(), config.warmTarget(), vms.size(), counts, leases.size(),
                waiters.size(), tokens, breaker.failures(), breaker.lastFailure(), breaker, failedDestroys, lostCount);
    }

    List<VmView> views() {
        return vms.values().stream().map(PooledVm::view).toList();
    }
}
