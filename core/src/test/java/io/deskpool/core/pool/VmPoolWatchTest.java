package io.deskpool.core.pool;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.spi.VmExit;
import io.deskpool.core.testing.InMemoryProvider;
import io.deskpool.core.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.deskpool.core.pool.PoolTestSupport.LONG;
import static io.deskpool.core.pool.PoolTestSupport.config;
import static io.deskpool.core.pool.PoolTestSupport.eventually;
import static io.deskpool.core.pool.PoolTestSupport.watched;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** VMs are watched: exits reported by the provider, health checks, the check before hand-out, lost leases. */
class VmPoolWatchTest {
    private final MutableClock clock = new MutableClock();
    private final List<VmPool> pools = new ArrayList<>();

    @AfterEach
    void tearDown() {
        pools.forEach(p -> p.close(true, Duration.ofSeconds(10)));
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

    private static String warmVm(VmPool pool) {
        return pool.vms().stream().filter(v -> v.state() == VmState.WARM).findFirst().orElseThrow().id();
    }

    @Test
    void a_warm_vm_whose_process_ends_is_destroyed_and_replaced_at_once() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(2, 1, 1));
        eventually("a spare is warm", () -> pool.status().count(VmState.WARM) == 1);
        String dead = warmVm(pool);

        provider.kill(dead);

        eventually("a new spare replaced it", () -> pool.vm(dead).isEmpty() && pool.status().count(VmState.WARM) == 1);
        assertThat(provider.healthChecks.get()).as("the exit report alone did it").isZero();
    }

    @Test
    void a_leased_vm_whose_process_ends_loses_its_lease_and_the_clients_next_call_is_told() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(2, 1, 1));
        List<PoolEvent> events = new CopyOnWriteArrayList<>();
        pool.addListener(events::add);
        Lease lease = pool.acquire("alpha", LONG);

        provider.kill(lease.vmId());

        assertThat(pool.lease(lease.id())).isEmpty();
        assertThat(pool.lostLease(lease.id())).get().satisfies(l -> {
            assertThat(l.vmId()).isEqualTo(lease.vmId());
            assertThat(l.reason()).contains("process was killed");
        });
        assertThatThrownBy(() -> pool.heartbeat(lease.id(), "alpha")).isInstanceOfSatisfying(DeskpoolException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.VM_LOST);
            assertThat(e.details()).containsEntry("lease_id", lease.id()).containsEntry("vm_id", lease.vmId())
                    .containsEntry("state", "lost");
        });
        assertThatThrownBy(() -> pool.release(lease.id(), "alpha")).hasFieldOrPropertyWithValue("code", ErrorCode.VM_LOST);
        assertThat(events).anyMatch(e -> e instanceof PoolEvent.LeaseEnded l && l.reason() == LeaseEndReason.VM_LOST);
        eventually("the VM is gone and a spare is warm", () -> pool.vm(lease.vmId()).isEmpty()
                && pool.status().count(VmState.WARM) == 1);
    }

    @Test
    void another_token_asking_about_a_lost_lease_is_refused_without_learning_anything() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(1, 1, 1));
        Lease lease = pool.acquire("alpha", LONG);
        provider.kill(lease.vmId());

        assertThatThrownBy(() -> pool.heartbeat(lease.id(), "mallory"))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.NOT_LEASE_OWNER);
                    assertThat(e.getMessage()).doesNotContain(lease.vmId());
                });
    }

    @Test
    void a_lost_lease_no_longer_counts_against_its_tokens_quota() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(2, 1, 1), new TokenQuotas(Map.of("alpha", 1), 0));
        Lease lease = pool.acquire("alpha", LONG);

        provider.kill(lease.vmId());

        Lease next = pool.acquire("alpha", LONG);
        assertThat(next.vmId()).isNotEqualTo(lease.vmId());
    }

    @Test
    void an_exit_reported_for_an_earlier_incarnation_of_a_vm_is_ignored() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(1, 1, 1));
        Lease lease = pool.acquire("alpha", LONG);

        provider.reportExit(new VmExit(lease.vmId(), "mem-an-earlier-container", "container died"));

        assertThat(pool.lease(lease.id())).isPresent();
        assertThat(pool.vm(lease.vmId())).get().extracting(VmView::state).isEqualTo(VmState.LEASED);
    }

    @Test
    void a_frozen_warm_vm_is_not_handed_out() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, watched(2, 1));
        eventually("a spare is warm", () -> pool.status().count(VmState.WARM) == 1);
        String frozen = warmVm(pool);
        provider.freeze(frozen);

        Lease lease = pool.acquire("alpha", LONG);

        assertThat(lease.vmId()).isNotEqualTo(frozen);
        eventually("the frozen VM is destroyed", () -> pool.vm(frozen).isEmpty() && !provider.liveVmIds().contains(frozen));
    }

    @Test
    void a_healthy_warm_vm_is_handed_out_after_one_check() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, watched(2, 1));
        eventually("a spare is warm", () -> pool.status().count(VmState.WARM) == 1);
        String spare = warmVm(pool);

        Lease lease = pool.acquire("alpha", LONG);

        assertThat(lease.vmId()).isEqualTo(spare);
        assertThat(provider.healthChecks.get()).isEqualTo(1);
    }

    @Test
    void an_idle_vm_that_died_unreported_is_found_by_the_health_round_and_replaced() {
        InMemoryProvider provider = new InMemoryProvider().withoutExitReports();
        VmPool pool = started(provider, watched(2, 1));
        eventually("a spare is warm", () -> pool.status().count(VmState.WARM) == 1);
        String dead = warmVm(pool);
        provider.kill(dead);
        assertThat(pool.vm(dead)).as("nobody told the pool yet").isPresent();

        pool.checkHealth();

        assertThat(pool.vm(dead).map(VmView::state)).isNotEqualTo(java.util.Optional.of(VmState.WARM));
        eventually("a new spare replaced it", () -> pool.vm(dead).isEmpty() && pool.status().count(VmState.WARM) == 1);
    }

    @Test
    void a_healthy_idle_vm_stays_a_spare_after_the_health_round() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, watched(2, 1));
        eventually("a spare is warm", () -> pool.status().count(VmState.WARM) == 1);
        String spare = warmVm(pool);

        pool.checkHealth();

        assertThat(pool.vm(spare)).get().extracting(VmView::state).isEqualTo(VmState.WARM);
        assertThat(provider.healthChecks.get()).isEqualTo(1);
    }

    @Test
    void a_leased_vm_that_stops_answering_loses_its_lease_after_a_second_failed_check() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, watched(2, 0));
        Lease lease = pool.acquire("alpha", LONG);
        provider.freeze(lease.vmId());

        pool.checkHealth();

        assertThat(pool.lostLease(lease.id())).get().extracting(LostLease::reason).asString().contains("did not answer");
        assertThat(provider.healthChecks.get()).isEqualTo(2);
        eventually("the frozen VM is destroyed", () -> !provider.liveVmIds().contains(lease.vmId()));
    }

    @Test
    void a_leased_vm_that_answers_the_second_check_keeps_its_lease() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, watched(2, 0));
        Lease lease = pool.acquire("alpha", LONG);
        provider.unresponsiveChecks(lease.vmId(), 1);

        pool.checkHealth();

        assertThat(pool.lease(lease.id())).isPresent();
        assertThat(pool.lostLease(lease.id())).isEmpty();
    }

    @Test
    void a_vm_lost_event_names_the_lease() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(2, 0, 1));
        List<PoolEvent> events = new CopyOnWriteArrayList<>();
        pool.addListener(events::add);
        Lease lease = pool.acquire("alpha", LONG);

        provider.kill(lease.vmId());

        assertThat(events).anyMatch(e -> e instanceof PoolEvent.VmLost l && l.vmId().equals(lease.vmId())
                && l.leaseId().equals(lease.id()));
        assertThat(pool.status().lostLeases()).isEqualTo(1);
    }
}
