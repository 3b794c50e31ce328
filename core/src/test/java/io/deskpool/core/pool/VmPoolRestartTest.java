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

import static io.deskpool.core.pool.PoolTestSupport.LONG;
import static io.deskpool.core.pool.PoolTestSupport.config;
import static io.deskpool.core.pool.PoolTestSupport.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A server that restarts (killed, or stopped keeping its VMs) keeps its clients' leases on the VMs it adopts. */
class VmPoolRestartTest {
    private final MutableClock clock = new MutableClock();
    private final InMemoryProvider.InMemoryBackend backend = new InMemoryProvider.InMemoryBackend();
    private final List<VmPool> pools = new ArrayList<>();

    @AfterEach
    void tearDown() {
        pools.forEach(p -> p.close(true, Duration.ofSeconds(10)));
    }

    private VmPool pool(TokenQuotas quotas) {
        VmPool pool = new VmPool(new InMemoryProvider(backend, "server-1", clock), config(2, 1, 1), quotas, clock);
        pools.add(pool);
        return pool;
    }

    /** A first run that leased a VM to alpha, then went away leaving its VMs running. */
    private Lease leasedByAnEarlierRun() {
        VmPool first = pool(TokenQuotas.unlimited());
        first.start();
        Lease lease = first.acquire("alpha", LONG);
        backend.vms.get(lease.vmId()).dirty = true;
        first.close(false, Duration.ofSeconds(5));
        return lease;
    }

    private static CarriedLease carried(Lease lease) {
        return new CarriedLease(lease.id(), lease.vmId(), lease.token(), lease.grantedAt());
    }

    @Test
    void a_lease_carried_over_keeps_its_vm_unreverted_for_its_client() {
        Lease lease = leasedByAnEarlierRun();

        VmPool second = pool(TokenQuotas.unlimited());
        second.start(List.of(carried(lease)));

        assertThat(second.lease(lease.id())).get().satisfies(l -> {
            assertThat(l.vmId()).isEqualTo(lease.vmId());
            assertThat(l.token()).isEqualTo("alpha");
            assertThat(l.expiresAt()).isEqualTo(clock.instant().plus(second.config().leaseTtl()));
        });
        assertThat(second.heartbeat(lease.id(), "alpha").id()).isEqualTo(lease.id());
        assertThat(second.vm(lease.vmId())).get().extracting(VmView::state).isEqualTo(VmState.LEASED);
        assertThat(backend.vms.get(lease.vmId()).dirty).as("the client's work is still there").isTrue();
    }

    @Test
    void a_carried_over_lease_counts_against_its_tokens_limit() {
        Lease lease = leasedByAnEarlierRun();

        VmPool second = pool(new TokenQuotas(Map.of("alpha", 1), 0));
        second.start(List.of(carried(lease)));

        assertThatThrownBy(() -> second.acquire("alpha", LONG)).hasFieldOrPropertyWithValue("code", ErrorCode.QUOTA_EXCEEDED);
    }

    @Test
    void a_carried_over_lease_whose_vm_is_gone_is_lost_and_its_client_told() {
        Lease lease = leasedByAnEarlierRun();
        backend.vms.remove(lease.vmId());

        VmPool second = pool(TokenQuotas.unlimited());
        second.start(List.of(carried(lease)));

        assertThatThrownBy(() -> second.heartbeat(lease.id(), "alpha")).isInstanceOfSatisfying(DeskpoolException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.VM_LOST);
            assertThat(e.getMessage()).contains("not there to adopt");
        });
    }

    @Test
    void without_its_lease_an_adopted_vm_is_reverted_before_anyone_gets_it() {
        Lease lease = leasedByAnEarlierRun();

        VmPool second = pool(TokenQuotas.unlimited());
        second.start();

        eventually("the adopted VM is a clean spare", () -> second.vm(lease.vmId()).map(v -> v.state() == VmState.WARM)
                .orElse(false));
        assertThat(backend.vms.get(lease.vmId()).dirty).isFalse();
        assertThat(second.lease(lease.id())).isEmpty();
    }
}
