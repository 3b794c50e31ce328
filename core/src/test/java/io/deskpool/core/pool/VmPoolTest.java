package io.deskpool.core.pool;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.testing.InMemoryProvider;
import io.deskpool.core.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class VmPoolTest {
    private static final Duration LONG = Duration.ofSeconds(20);

    private final MutableClock clock = new MutableClock();
    private final List<VmPool> pools = new ArrayList<>();
    private final ExecutorService clients = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() {
        clients.shutdownNow();
        pools.forEach(p -> p.close(true, Duration.ofSeconds(10)));
    }

    private static PoolConfig config(int size, int warm, int bootConcurrency) {
        return new PoolConfig(size, warm, bootConcurrency, Duration.ofMinutes(10), Duration.ofSeconds(30),
                InMemoryProvider.SNAPSHOT, ReconcilePolicy.ADOPT, Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    private VmPool started(InMemoryProvider provider, PoolConfig config, TokenQuotas quotas) {
        VmPool pool = new VmPool(provider, config, quotas, clock);
        pools.add(pool);
        pool.start();
        return pool;
    }

    private VmPool started(InMemoryProvider provider, PoolConfig config) {
        return started(provider, config, TokenQuotas.unlimited());
    }

    private static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    @Test
    void keeps_the_target_number_of_warm_spares_booted() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(5, 3, 2));

        eventually("3 spares are warm", () -> pool.status().count(VmState.WARM) == 3);
        assertThat(pool.status().total()).isEqualTo(3);
        assertThat(provider.liveVmIds()).hasSize(3);
    }

    @Test
    void hands_out_a_warm_vm_at_once_without_booting() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(2, 1, 1));
        eventually("a spare is warm", () -> pool.status().count(VmState.WARM) == 1);
        int launchesBefore = provider.launches.get();

        Lease lease = pool.acquire("alpha", Duration.ZERO);

        assertThat(lease.token()).isEqualTo("alpha");
        assertThat(lease.vm().endpoints()).isPresent();
        assertThat(pool.vm(lease.vmId())).get().extracting(VmView::state).isEqualTo(VmState.LEASED);
        eventually("a replacement spare is warm", () -> pool.status().count(VmState.WARM) == 1);
        assertThat(provider.launches.get()).isEqualTo(launchesBefore + 1);
    }

    @Test
    void boots_on_demand_when_no_spare_is_ready() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(2, 0, 1));
        assertThat(pool.status().total()).isZero();

        Lease lease = pool.acquire("alpha", LONG);

        assertThat(provider.liveVmIds()).containsExactly(lease.vmId());
    }

    @Test
    void an_acquire_that_finds_nothing_in_time_fails_with_the_pool_state() {
        InMemoryProvider provider = new InMemoryProvider().withClosedGate();
        VmPool pool = started(provider, config(1, 0, 1));

        assertThatThrownBy(() -> pool.acquire("alpha", Duration.ofMillis(200)))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.ACQUIRE_TIMEOUT);
                    assertThat(e.getMessage()).contains("total=1/1", "booting=1", "waiting=1");
                });
        assertThat(pool.status().waiting()).isZero();
        assertThat(pool.status().tokens()).noneMatch(t -> t.token().equals("alpha") && t.current() > 0);
    }

    @Test
    void a_vm_whose_client_gave_up_goes_back_to_the_pool() {
        InMemoryProvider provider = new InMemoryProvider().withClosedGate();
        VmPool pool = started(provider, config(1, 0, 1));
        assertThatThrownBy(() -> pool.acquire("alpha", Duration.ofMillis(100)))
                .hasFieldOrPropertyWithValue("code", ErrorCode.ACQUIRE_TIMEOUT);

        provider.openGate(1);

        eventually("the booted VM is a warm spare", () -> pool.status().count(VmState.WARM) == 1);
        assertThat(pool.status().leases()).isZero();
        assertThat(pool.acquire("beta", Duration.ZERO).token()).isEqualTo("beta");
    }

    @Test
    void a_released_vm_is_reverted_before_anyone_else_gets_it() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(1, 1, 1));
        Lease first = pool.acquire("alpha", LONG);
        provider.backend().vms.get(first.vmId()).dirty = true;

        pool.release(first.id(), "alpha");
        Lease second = pool.acquire("beta", LONG);

        assertThat(second.vmId()).isEqualTo(first.vmId());
        assertThat(provider.backend().vms.get(second.vmId()).dirty).isFalse();
        assertThat(pool.vm(second.vmId()).orElseThrow().reverts()).isEqualTo(1);
    }

    @Test
    void waiting_clients_are_served_first_come_first_served() throws Exception {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(1, 1, 1));
        Lease held = pool.acquire("holder", LONG);
        List<String> order = new CopyOnWriteArrayList<>();
        List<Future<?>> waiting = new ArrayList<>();
        for (String token : List.of("first", "second", "third")) {
            int before = pool.status().waiting();
            waiting.add(clients.submit(() -> {
                Lease l = pool.acquire(token, LONG);
                order.add(token);
                pool.release(l.id(), token);
                return null;
            }));
            eventually(token + " is queued", () -> pool.status().waiting() == before + 1);
        }

        pool.release(held.id(), "holder");
        for (Future<?> f : waiting) {
            f.get(20, TimeUnit.SECONDS);
        }

        assertThat(order).containsExactly("first", "second", "third");
    }

    @Test
    void many_clients_never_share_a_vm_and_always_get_a_clean_one() throws Exception {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(4, 2, 2));
        Set<String> inUse = ConcurrentHashMap.newKeySet();
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger cycles = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < 24; c++) {
            String token = "client-" + c;
            workers.add(clients.submit(() -> {
                for (int i = 0; i < 40; i++) {
                    Lease lease = pool.acquire(token, LONG);
                    if (!inUse.add(lease.vmId())) {
                        violations.incrementAndGet();
                    }
                    var vm = provider.backend().vms.get(lease.vmId());
                    if (vm.dirty || !vm.ready) {
                        violations.incrementAndGet();
                    }
                    vm.dirty = true;
                    inUse.remove(lease.vmId());
                    pool.release(lease.id(), token);
                    cycles.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : workers) {
            f.get(60, TimeUnit.SECONDS);
        }

        assertThat(violations.get()).as("VMs shared or handed out dirty").isZero();
        assertThat(cycles.get()).isEqualTo(24 * 40);
        assertThat(pool.status().total()).isLessThanOrEqualTo(4);
        eventually("every VM is back", () -> pool.status().leases() == 0 && pool.status().count(VmState.REVERTING) == 0);
        assertThat(provider.liveVmIds()).hasSameSizeAs(pool.vms());
    }

    @Test
    void an_acquire_beyond_the_token_quota_fails_at_once_and_changes_nothing() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(4, 2, 2), new TokenQuotas(Map.of("alpha", 1), Integer.MAX_VALUE));
        List<PoolEvent> events = new CopyOnWriteArrayList<>();
        pool.addListener(events::add);
        pool.acquire("alpha", LONG);
        eventually("spares are refilled", () -> pool.status().count(VmState.WARM) == 2);
        PoolStatus before = pool.status();

        assertThatThrownBy(() -> pool.acquire("alpha", LONG))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
                    assertThat(e.getMessage()).contains("1/1");
                });

        assertThat(pool.status()).isEqualTo(before);
        assertThat(events).anyMatch(e -> e instanceof PoolEvent.QuotaRejected q && q.token().equals("alpha"));
    }

    @Test
    void quotas_hold_under_concurrent_acquires() throws Exception {
        InMemoryProvider provider = new InMemoryProvider().withBootDelay(Duration.ofMillis(2));
        VmPool pool = started(provider, config(8, 2, 4), new TokenQuotas(Map.of("alpha", 2, "beta", 3), 0));
        Map<String, AtomicInteger> current = Map.of("alpha", new AtomicInteger(), "beta", new AtomicInteger());
        Map<String, AtomicInteger> peak = Map.of("alpha", new AtomicInteger(), "beta", new AtomicInteger());
        AtomicInteger rejected = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            String token = c % 2 == 0 ? "alpha" : "beta";
            workers.add(clients.submit(() -> {
                for (int i = 0; i < 30; i++) {
                    Lease lease;
                    try {
                        lease = pool.acquire(token, LONG);
                    } catch (DeskpoolException e) {
                        if (e.code() != ErrorCode.QUOTA_EXCEEDED) {
                            throw e;
                        }
                        rejected.incrementAndGet();
                        continue;
                    }
                    int now = current.get(token).incrementAndGet();
                    peak.get(token).accumulateAndGet(now, Math::max);
                    current.get(token).decrementAndGet();
                    pool.release(lease.id(), token);
                }
                return null;
            }));
        }
        for (Future<?> f : workers) {
            f.get(60, TimeUnit.SECONDS);
        }

        assertThat(peak.get("alpha").get()).isLessThanOrEqualTo(2);
        assertThat(peak.get("beta").get()).isLessThanOrEqualTo(3);
        assertThat(rejected.get()).as("8 clients per token against limits of 2 and 3 must meet refusals").isPositive();
        assertThatThrownBy(() -> pool.acquire("gamma", LONG))
                .as("a token without a limit of its own gets the default limit, here 0")
                .hasFieldOrPropertyWithValue("code", ErrorCode.QUOTA_EXCEEDED);
    }

    @Test
    void cold_boots_never_exceed_the_boot_concurrency() {
        InMemoryProvider provider = new InMemoryProvider().withClosedGate();
        VmPool pool = started(provider, config(8, 8, 2));

        eventually("two boots wait at the gate", () -> provider.bootsInFlight() == 2);
        assertThat(pool.status().count(VmState.BOOTING)).isEqualTo(8);
        for (int i = 0; i < 8; i++) {
            provider.openGate(1);
        }
        eventually("all 8 are warm", () -> pool.status().count(VmState.WARM) == 8);

        assertThat(provider.maxBootsInFlight()).isEqualTo(2);
    }

    @Test
    void a_vm_marked_broken_is_destroyed_and_replaced() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(2, 1, 1));
        Lease lease = pool.acquire("alpha", LONG);

        pool.markBroken(lease.id(), "alpha", "desktop froze");

        eventually("the broken VM is gone and a spare is warm", () -> !provider.liveVmIds().contains(lease.vmId())
                && pool.vm(lease.vmId()).isEmpty() && pool.status().count(VmState.WARM) == 1);
        assertThat(pool.lease(lease.id())).isEmpty();
    }

    @Test
    void a_failed_boot_is_quarantined_destroyed_and_replaced() {
        InMemoryProvider provider = new InMemoryProvider();
        provider.failNextReadiness(1);
        List<PoolEvent> events = new CopyOnWriteArrayList<>();
        VmPool pool = new VmPool(provider, config(2, 1, 1), TokenQuotas.unlimited(), clock);
        pools.add(pool);
        pool.addListener(events::add);
        pool.start();

        eventually("a replacement is warm", () -> pool.status().count(VmState.WARM) == 1);

        assertThat(events).anyMatch(e -> e instanceof PoolEvent.BootFinished b && !b.succeeded());
        assertThat(events).anyMatch(e -> e instanceof PoolEvent.VmStateChanged s && s.to() == VmState.BROKEN);
        assertThat(provider.launches.get()).isEqualTo(2);
        assertThat(provider.liveVmIds()).hasSize(1);
        assertThat(pool.status().lastBootFailure()).contains("never became ready");
    }

    @Test
    void a_failed_revert_quarantines_the_vm_and_boots_a_replacement() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(1, 1, 1));
        Lease lease = pool.acquire("alpha", LONG);
        provider.failNextReverts(1);

        pool.release(lease.id(), "alpha");

        eventually("a new VM is warm", () -> pool.status().count(VmState.WARM) == 1
                && !pool.vms().get(0).id().equals(lease.vmId()));
        assertThat(provider.liveVmIds()).doesNotContain(lease.vmId()).hasSize(1);
    }

    @Test
    void a_failed_destroy_is_retried_by_housekeeping_after_a_backoff_so_nothing_leaks() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(1, 1, 1));
        Lease lease = pool.acquire("alpha", LONG);
        provider.failNextDestroys(1);

        pool.markBroken(lease.id(), "alpha", "");
        eventually("the first destroy failed", () -> pool.vm(lease.vmId()).map(v -> v.lastError().startsWith("destroy failed"))
                .orElse(false));
        assertThat(provider.liveVmIds()).contains(lease.vmId());
        clock.advance(PoolWork.FIRST_DESTROY_BACKOFF);
        pool.housekeep();

        eventually("the retry destroyed it", () -> !provider.liveVmIds().contains(lease.vmId()));
    }

    @Test
    void an_expired_lease_is_reclaimed_and_its_vm_reverted() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(1, 1, 1));
        Lease lease = pool.acquire("alpha", LONG);
        provider.backend().vms.get(lease.vmId()).dirty = true;

        clock.advance(Duration.ofMinutes(9));
        pool.housekeep();
        assertThat(pool.lease(lease.id())).as("still within its TTL").isPresent();
        clock.advance(Duration.ofMinutes(2));
        pool.housekeep();

        assertThat(pool.lease(lease.id())).isEmpty();
        eventually("the VM is clean and warm", () -> pool.status().count(VmState.WARM) == 1);
        assertThat(provider.backend().vms.get(lease.vmId()).dirty).isFalse();
        assertThatThrownBy(() -> pool.release(lease.id(), "alpha")).hasFieldOrPropertyWithValue("code", ErrorCode.UNKNOWN_LEASE);
    }

    @Test
    void a_heartbeat_keeps_a_lease_alive_past_its_first_ttl() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(1, 1, 1));
        Lease lease = pool.acquire("alpha", LONG);

        clock.advance(Duration.ofMinutes(8));
        Lease renewed = pool.heartbeat(lease.id(), "alpha");
        clock.advance(Duration.ofMinutes(8));
        pool.housekeep();

        assertThat(renewed.expiresAt()).isEqualTo(lease.expiresAt().plus(Duration.ofMinutes(8)));
        assertThat(pool.lease(lease.id())).isPresent();
    }

    @Test
    void reconcile_adopts_vms_left_by_an_earlier_run() {
        InMemoryProvider.InMemoryBackend backend = new InMemoryProvider.InMemoryBackend();
        InMemoryProvider before = new InMemoryProvider(backend, "server-1", clock);
        VmPool first = started(before, config(2, 2, 2));
        eventually("2 warm", () -> first.status().count(VmState.WARM) == 2);
        Lease lease = first.acquire("alpha", LONG);
        backend.vms.get(lease.vmId()).dirty = true;
        first.close(false, Duration.ofSeconds(5));
        assertThat(backend.vms).hasSize(2);

        InMemoryProvider after = new InMemoryProvider(backend, "server-1", clock);
        VmPool second = started(after, config(2, 2, 2));

        eventually("both adopted VMs are warm", () -> second.status().count(VmState.WARM) == 2);
        assertThat(second.vms()).extracting(VmView::id).containsExactlyInAnyOrderElementsOf(backend.vms.keySet());
        assertThat(backend.vms.get(lease.vmId()).dirty).as("adopted VMs are reverted first").isFalse();
        assertThat(after.launches.get()).isZero();
    }

    @Test
    void reconcile_destroys_leftovers_when_told_to_and_ignores_other_owners() {
        InMemoryProvider.InMemoryBackend backend = new InMemoryProvider.InMemoryBackend();
        VmPool first = started(new InMemoryProvider(backend, "server-1", clock), config(2, 2, 2));
        eventually("2 warm", () -> first.status().count(VmState.WARM) == 2);
        first.close(false, Duration.ofSeconds(5));
        VmPool foreign = started(new InMemoryProvider(backend, "server-2", clock), config(1, 1, 1));
        eventually("the other owner's VM is warm", () -> foreign.status().count(VmState.WARM) == 1);
        Set<String> foreignIds = Set.of(foreign.vms().get(0).id());
        Set<String> leftovers = Set.copyOf(first.vms().stream().map(VmView::id).toList());

        PoolConfig destroy = new PoolConfig(2, 0, 1, Duration.ofMinutes(10), Duration.ofSeconds(30),
                InMemoryProvider.SNAPSHOT, ReconcilePolicy.DESTROY, Duration.ZERO, Duration.ZERO, Duration.ZERO);
        VmPool second = started(new InMemoryProvider(backend, "server-1", clock), destroy);

        eventually("leftovers are destroyed and gone from the pool",
                () -> backend.vms.keySet().stream().noneMatch(leftovers::contains) && second.status().total() == 0);
        assertThat(backend.vms.keySet()).containsExactlyElementsOf(foreignIds);
    }

    @Test
    void releasing_another_tokens_lease_is_refused_and_changes_nothing() {
        VmPool pool = started(new InMemoryProvider(), config(1, 1, 1));
        Lease lease = pool.acquire("alpha", LONG);
        PoolStatus before = pool.status();

        assertThatThrownBy(() -> pool.release(lease.id(), "mallory"))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.NOT_LEASE_OWNER);
                    assertThat(e.getMessage()).doesNotContain("alpha");
                });
        assertThatThrownBy(() -> pool.release("lease-nope", "alpha")).hasFieldOrPropertyWithValue("code", ErrorCode.UNKNOWN_LEASE);
        assertThatThrownBy(() -> pool.heartbeat(lease.id(), "mallory")).hasFieldOrPropertyWithValue("code", ErrorCode.NOT_LEASE_OWNER);

        assertThat(pool.status()).isEqualTo(before);
        assertThat(pool.lease(lease.id())).contains(lease);
    }

    @Test
    void bad_arguments_are_refused_with_typed_errors() {
        VmPool pool = started(new InMemoryProvider(), config(1, 0, 1));

        assertThatThrownBy(() -> pool.acquire("alpha", Duration.ofSeconds(-1)))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("negative");
                });
        assertThatThrownBy(() -> pool.acquire(" ", LONG)).hasFieldOrPropertyWithValue("code", ErrorCode.INVALID_ARGUMENT);
        assertThatThrownBy(() -> pool.destroyVm("vm-nope")).hasFieldOrPropertyWithValue("code", ErrorCode.UNKNOWN_VM);
        assertThatThrownBy(() -> config(-1, 0, 1)).hasFieldOrPropertyWithValue("code", ErrorCode.INVALID_ARGUMENT);
        assertThatThrownBy(() -> config(2, 3, 1)).hasMessageContaining("warm spares");
        assertThatThrownBy(() -> config(2, 1, 0)).hasMessageContaining("boot concurrency");
        assertThat(pool.status().total()).isZero();
    }

    @Test
    void a_revert_to_an_unknown_snapshot_quarantines_the_vm_with_the_reason() {
        InMemoryProvider provider = new InMemoryProvider();
        PoolConfig wrongSnapshot = new PoolConfig(1, 1, 1, Duration.ofMinutes(10), Duration.ofSeconds(30), "nope",
                ReconcilePolicy.ADOPT, Duration.ZERO, Duration.ZERO, Duration.ZERO);
        VmPool pool = started(provider, wrongSnapshot);
        List<PoolEvent> events = new CopyOnWriteArrayList<>();
        pool.addListener(events::add);
        Lease lease = pool.acquire("alpha", LONG);

        pool.release(lease.id(), "alpha");

        eventually("the revert failed", () -> events.stream().anyMatch(e -> e instanceof PoolEvent.RevertFinished r
                && !r.succeeded() && r.detail().contains("no snapshot 'nope'")));
    }

    @Test
    void stopping_a_leased_vm_ends_its_lease_and_destroys_it() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(1, 0, 1));
        Lease lease = pool.acquire("alpha", LONG);

        pool.destroyVm(lease.vmId());

        assertThat(pool.lease(lease.id())).isEmpty();
        eventually("the VM is destroyed", () -> provider.liveVmIds().isEmpty() && pool.status().total() == 0);
    }

    @Test
    void closing_the_pool_destroys_every_vm_and_fails_waiters() throws Exception {
        InMemoryProvider provider = new InMemoryProvider().withClosedGate();
        VmPool pool = new VmPool(provider, config(2, 0, 1), TokenQuotas.unlimited(), clock);
        pool.start();
        CountDownLatch started = new CountDownLatch(1);
        Future<?> waiter = clients.submit(() -> {
            started.countDown();
            return pool.acquire("alpha", LONG);
        });
        started.await();
        eventually("the client waits", () -> pool.status().waiting() == 1);

        pool.close(true, Duration.ofSeconds(10));

        assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(DeskpoolException.class)
                .cause().hasFieldOrPropertyWithValue("code", ErrorCode.POOL_CLOSED);
        eventually("no VM is left", () -> provider.liveVmIds().isEmpty());
        assertThatThrownBy(() -> pool.acquire("alpha", LONG)).hasFieldOrPropertyWithValue("code", ErrorCode.POOL_CLOSED);
    }

    @Test
    void listeners_see_leases_and_state_changes() {
        VmPool pool = new VmPool(new InMemoryProvider(), config(1, 1, 1), TokenQuotas.unlimited(), clock);
        pools.add(pool);
        List<PoolEvent> events = new CopyOnWriteArrayList<>();
        pool.addListener(events::add);
        pool.start();
        eventually("the spare is warm", () -> pool.status().count(VmState.WARM) == 1);

        Lease lease = pool.acquire("alpha", LONG);
        pool.release(lease.id(), "alpha");
        eventually("the VM is warm again", () -> pool.status().count(VmState.WARM) == 1);

        assertThat(events).filteredOn(e -> e instanceof PoolEvent.VmStateChanged).extracting(e -> ((PoolEvent.VmStateChanged) e).to())
                .containsSubsequence(VmState.BOOTING, VmState.WARM, VmState.LEASED, VmState.REVERTING, VmState.WARM);
        assertThat(events).anyMatch(e -> e instanceof PoolEvent.LeaseGranted g && g.lease().equals(lease));
        assertThat(events).anyMatch(e -> e instanceof PoolEvent.LeaseEnded l && l.reason() == LeaseEndReason.RELEASED);
        assertThat(events).anyMatch(e -> e instanceof PoolEvent.RevertFinished r && r.succeeded() && r.path().equals("snapshot"));
    }
}
