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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.deskpool.core.pool.PoolTestSupport.LONG;
import static io.deskpool.core.pool.PoolTestSupport.config;
import static io.deskpool.core.pool.PoolTestSupport.eventually;
import static io.deskpool.core.pool.PoolTestSupport.watched;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Forking a leased VM in the pool: copies leased to the same token, all or nothing, and what becomes of them. */
class VmPoolForkTest {
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

    private static void assertRefused(Runnable call, ErrorCode code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(DeskpoolException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    @Test
    void every_copy_is_leased_to_the_parents_token_with_the_parents_state() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(5, 0, 1));
        Lease parent = pool.acquire("alpha", LONG);
        provider.requireLive(parent.vm()).dirty = true;

        List<Lease> copies = pool.fork(parent.id(), "alpha", 3, LONG);

        assertThat(copies).hasSize(3).allSatisfy(c -> {
            assertThat(c.token()).isEqualTo("alpha");
            assertThat(pool.vm(c.vmId())).get().extracting(VmView::state).isEqualTo(VmState.LEASED);
            assertThat(provider.requireLive(c.vm()).dirty).as("the copy carries the parent's state").isTrue();
        });
        assertThat(copies).extracting(Lease::vmId).doesNotHaveDuplicates().doesNotContain(parent.vmId());
        assertThat(pool.lease(parent.id())).as("the parent's lease goes on").isPresent();
    }

    @Test
    void copies_count_against_the_tokens_quota_and_the_pool_size() {
        VmPool pool = started(new InMemoryProvider(), config(5, 0, 1));
        Lease parent = pool.acquire("alpha", LONG);

        pool.fork(parent.id(), "alpha", 2, LONG);

        PoolStatus st = pool.status();
        assertThat(st.tokens()).contains(new TokenUsage("alpha", 3, Integer.MAX_VALUE));
        assertThat(st.total()).isEqualTo(3);
        assertThat(st.count(VmState.LEASED)).isEqualTo(3);
    }

    @Test
    void a_fork_beyond_the_tokens_quota_is_refused_before_anything_starts() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(8, 0, 1), new TokenQuotas(Map.of("alpha", 3), 0));
        Lease parent = pool.acquire("alpha", LONG);

        assertRefused(() -> pool.fork(parent.id(), "alpha", 3, LONG), ErrorCode.QUOTA_EXCEEDED);

        assertThat(provider.forks.get()).isZero();
        assertThat(pool.status().total()).isEqualTo(1);
        assertThat(pool.status().tokens()).contains(new TokenUsage("alpha", 1, 3));
    }

    @Test
    void a_fork_the_pool_size_cannot_take_is_refused_with_pool_full_before_anything_starts() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(3, 0, 1));
        Lease parent = pool.acquire("alpha", LONG);
        pool.acquire("beta", LONG);

        assertThatThrownBy(() -> pool.fork(parent.id(), "alpha", 2, LONG)).isInstanceOfSatisfying(DeskpoolException.class,
                e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.POOL_FULL);
                    assertThat(e.getMessage()).contains("POOL_SIZE=3").contains("room for 1");
                });

        assertThat(provider.forks.get()).isZero();
        assertThat(pool.status().total()).isEqualTo(2);
        assertThat(pool.status().tokens()).contains(new TokenUsage("alpha", 1, Integer.MAX_VALUE));
    }

    @Test
    void idle_spares_make_room_for_copies() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(3, 2, 2));
        eventually("two spares are warm", () -> pool.status().count(VmState.WARM) == 2);
        Lease parent = pool.acquire("alpha", LONG);
        eventually("the pool is full", () -> pool.status().total() == 3 && pool.status().count(VmState.WARM) == 2);

        List<Lease> copies = pool.fork(parent.id(), "alpha", 2, LONG);

        eventually("the spares are gone", () -> pool.status().total() == 3);
        assertThat(pool.status().count(VmState.LEASED)).isEqualTo(3);
        assertThat(provider.liveVmIds()).containsExactlyInAnyOrder(parent.vmId(), copies.get(0).vmId(),
                copies.get(1).vmId());
    }

    @Test
    void copies_taking_the_place_of_other_leases_fit_the_quota_and_pool_those_leases_held() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(3, 0, 1), new TokenQuotas(Map.of("alpha", 3), 0));
        Lease parent = pool.acquire("alpha", LONG);
        Lease old1 = pool.acquire("alpha", LONG);
        Lease old2 = pool.acquire("alpha", LONG);

        List<Lease> copies = pool.fork(parent.id(), "alpha", 2, LONG, List.of(old1.id(), old2.id()));

        assertThat(copies).hasSize(2);
        assertThat(pool.lease(old1.id())).isEmpty();
        assertThat(pool.lease(old2.id())).isEmpty();
        eventually("the replaced VMs are gone", () -> !provider.liveVmIds().contains(old1.vmId())
                && !provider.liveVmIds().contains(old2.vmId()) && pool.status().total() == 3);
        assertThat(pool.status().tokens()).contains(new TokenUsage("alpha", 3, 3));
    }

    @Test
    void only_the_tokens_own_leases_can_be_replaced_and_a_refusal_ends_none() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(5, 0, 1));
        Lease parent = pool.acquire("alpha", LONG);
        Lease mine = pool.acquire("alpha", LONG);
        Lease theirs = pool.acquire("beta", LONG);

        assertRefused(() -> pool.fork(parent.id(), "alpha", 2, LONG, List.of(mine.id(), theirs.id())),
                ErrorCode.NOT_LEASE_OWNER);
        assertRefused(() -> pool.fork(parent.id(), "alpha", 1, LONG, List.of(parent.id())), ErrorCode.INVALID_ARGUMENT);

        assertThat(pool.lease(mine.id())).isPresent();
        assertThat(pool.lease(theirs.id())).isPresent();
        assertThat(provider.forks.get()).isZero();
    }

    @Test
    void a_provider_that_cannot_fork_is_refused_with_its_reason_and_nothing_changes() {
        InMemoryProvider provider = new InMemoryProvider().withoutFork("this backend keeps no memory state");
        VmPool pool = started(provider, config(5, 0, 1));
        Lease parent = pool.acquire("alpha", LONG);

        assertThatThrownBy(() -> pool.fork(parent.id(), "alpha", 2, LONG)).isInstanceOfSatisfying(DeskpoolException.class,
                e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_BY_PROVIDER);
                    assertThat(e.getMessage()).contains("this backend keeps no memory state");
                });
        assertThat(provider.forks.get()).isZero();
        assertThat(pool.status().total()).isEqualTo(1);
    }

    @Test
    void another_tokens_lease_cannot_be_forked() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(5, 0, 1));
        Lease parent = pool.acquire("alpha", LONG);

        assertRefused(() -> pool.fork(parent.id(), "beta", 1, LONG), ErrorCode.NOT_LEASE_OWNER);
        assertRefused(() -> pool.fork("lease-nope", "alpha", 1, LONG), ErrorCode.UNKNOWN_LEASE);
        assertThat(provider.forks.get()).isZero();
    }

    @Test
    void a_count_below_one_is_refused() {
        VmPool pool = started(new InMemoryProvider(), config(5, 0, 1));
        Lease parent = pool.acquire("alpha", LONG);

        assertRefused(() -> pool.fork(parent.id(), "alpha", 0, LONG), ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void a_failed_fork_keeps_no_copy_and_gives_the_quota_back() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(5, 0, 1), new TokenQuotas(Map.of("alpha", 3), 0));
        List<PoolEvent> events = new CopyOnWriteArrayList<>();
        pool.addListener(events::add);
        Lease parent = pool.acquire("alpha", LONG);
        provider.failNextForks(1);

        assertRefused(() -> pool.fork(parent.id(), "alpha", 2, LONG), ErrorCode.PROVIDER_ERROR);

        assertThat(pool.status().total()).isEqualTo(1);
        assertThat(provider.liveVmIds()).containsExactly(parent.vmId());
        assertThat(pool.status().tokens()).contains(new TokenUsage("alpha", 1, 3));
        assertThat(events).filteredOn(PoolEvent.ForkFinished.class::isInstance).singleElement()
                .satisfies(e -> assertThat(((PoolEvent.ForkFinished) e).succeeded()).isFalse());
        assertThat(pool.fork(parent.id(), "alpha", 2, LONG)).as("the quota is whole again").hasSize(2);
    }

    @Test
    void a_copy_that_fails_its_check_before_hand_out_fails_the_whole_fork() {
        InMemoryProvider provider = new InMemoryProvider().withClosedForkGate();
        VmPool pool = started(provider, watched(5, 0));
        Lease parent = pool.acquire("alpha", LONG);
        var fork = CompletableFuture.supplyAsync(() -> pool.fork(parent.id(), "alpha", 2, LONG));
        eventually("the copies exist", () -> provider.liveVmIds().size() == 3);
        String copy = provider.liveVmIds().stream().filter(id -> !id.equals(parent.vmId())).findFirst().orElseThrow();

        provider.freeze(copy);
        provider.openForkGate();

        assertThatThrownBy(fork::join).hasCauseInstanceOf(DeskpoolException.class)
                .hasMessageContaining("failed its check before hand-out");
        eventually("no copy is left", () -> provider.liveVmIds().equals(Set.of(parent.vmId())));
        eventually("the pool holds the parent alone", () -> pool.status().total() == 1);
        assertThat(pool.status().tokens()).contains(new TokenUsage("alpha", 1, Integer.MAX_VALUE));
    }

    @Test
    void a_copy_whose_process_ends_during_the_fork_fails_the_whole_fork() {
        InMemoryProvider provider = new InMemoryProvider().withClosedForkGate();
        VmPool pool = started(provider, config(5, 0, 1));
        Lease parent = pool.acquire("alpha", LONG);
        var fork = CompletableFuture.supplyAsync(() -> pool.fork(parent.id(), "alpha", 2, LONG));
        eventually("the copies exist", () -> provider.liveVmIds().size() == 3);
        String copy = provider.liveVmIds().stream().filter(id -> !id.equals(parent.vmId())).findFirst().orElseThrow();

        provider.kill(copy);
        provider.openForkGate();

        assertThatThrownBy(fork::join).hasCauseInstanceOf(DeskpoolException.class).hasMessageContaining(copy)
                .hasMessageContaining("process was killed");
        eventually("no copy is left", () -> provider.liveVmIds().equals(Set.of(parent.vmId())));
        eventually("the pool holds the parent alone", () -> pool.status().total() == 1);
    }

    @Test
    void the_parent_is_not_health_checked_while_it_is_being_forked() {
        InMemoryProvider provider = new InMemoryProvider().withClosedForkGate();
        VmPool pool = started(provider, watched(5, 0));
        Lease parent = pool.acquire("alpha", LONG);
        var fork = CompletableFuture.supplyAsync(() -> pool.fork(parent.id(), "alpha", 1, LONG));
        eventually("the copy exists", () -> provider.liveVmIds().size() == 2);
        provider.freeze(parent.vmId());

        pool.checkHealth();

        assertThat(pool.lease(parent.id())).as("a parent standing still for its fork is not lost").isPresent();
        provider.thaw(parent.vmId());
        provider.openForkGate();
        assertThat(fork.join()).hasSize(1);
    }

    @Test
    void a_released_copy_is_destroyed_while_the_pool_has_its_spares() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(6, 1, 1));
        eventually("a spare is warm", () -> pool.status().count(VmState.WARM) == 1);
        Lease parent = pool.acquire("alpha", LONG);
        eventually("a spare is warm again", () -> pool.status().count(VmState.WARM) == 1);
        Lease copy = pool.fork(parent.id(), "alpha", 1, LONG).get(0);
        int revertsBefore = provider.reverts.get();

        pool.release(copy.id(), "alpha");

        eventually("the copy is gone", () -> pool.vm(copy.vmId()).isEmpty() && !provider.liveVmIds().contains(copy.vmId()));
        assertThat(provider.reverts.get()).isEqualTo(revertsBefore);
    }

    @Test
    void a_released_copy_is_reverted_like_any_vm_when_the_pool_lacks_spares() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(2, 1, 1));
        Lease parent = pool.acquire("alpha", LONG);
        eventually("a spare is warm", () -> pool.status().count(VmState.WARM) == 1);
        Lease copy = pool.fork(parent.id(), "alpha", 1, LONG).get(0);
        provider.requireLive(copy.vm()).dirty = true;

        pool.release(copy.id(), "alpha");

        eventually("the copy is a clean spare", () -> pool.vm(copy.vmId()).map(VmView::state).orElse(null) == VmState.WARM);
        assertThat(provider.requireLive(copy.vm()).dirty).isFalse();
    }

    @Test
    void a_reverted_copy_is_an_ordinary_vm_afterwards() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(2, 1, 1));
        Lease parent = pool.acquire("alpha", LONG);
        eventually("a spare is warm", () -> pool.status().count(VmState.WARM) == 1);
        Lease copy = pool.fork(parent.id(), "alpha", 1, LONG).get(0);
        pool.release(copy.id(), "alpha");
        eventually("the copy is a clean spare", () -> pool.vm(copy.vmId()).map(VmView::state).orElse(null) == VmState.WARM);
        pool.release(parent.id(), "alpha");
        eventually("the parent is a spare too", () -> pool.status().count(VmState.WARM) == 2);
        Lease again = pool.acquire("beta", LONG);
        Lease other = pool.acquire("beta", LONG);
        String reused = again.vmId().equals(copy.vmId()) ? again.id() : other.id();

        pool.release(reused, "beta");

        eventually("it was reverted, not destroyed", () -> pool.vm(copy.vmId()).map(VmView::state).orElse(null)
                == VmState.WARM);
    }

    @Test
    void an_administrator_stop_during_the_fork_keeps_no_copy() {
        InMemoryProvider provider = new InMemoryProvider().withClosedForkGate();
        VmPool pool = started(provider, config(5, 0, 1));
        Lease parent = pool.acquire("alpha", LONG);
        var fork = CompletableFuture.supplyAsync(() -> pool.fork(parent.id(), "alpha", 2, LONG));
        eventually("the copies are being made", () -> pool.status().count(VmState.FORKING) == 2);
        String copy = pool.vms().stream().filter(v -> v.state() == VmState.FORKING).findFirst().orElseThrow().id();

        pool.destroyVm(copy);
        provider.openForkGate();

        assertThatThrownBy(fork::join).hasCauseInstanceOf(DeskpoolException.class).hasMessageContaining("stopped");
        eventually("no copy is left", () -> provider.liveVmIds().equals(Set.of(parent.vmId())));
    }

    @Test
    void closing_the_pool_during_a_fork_keeps_no_copy() {
        InMemoryProvider provider = new InMemoryProvider().withClosedForkGate();
        VmPool pool = started(provider, config(5, 0, 1));
        Lease parent = pool.acquire("alpha", LONG);
        var fork = CompletableFuture.supplyAsync(() -> pool.fork(parent.id(), "alpha", 2, LONG));
        eventually("the copies are being made", () -> pool.status().count(VmState.FORKING) == 2);
        var closing = CompletableFuture.runAsync(() -> pool.close(true, Duration.ofSeconds(10)));
        eventually("the pool is closing", () -> pool.lease(parent.id()).isEmpty());

        provider.openForkGate();

        assertThatThrownBy(fork::join).isInstanceOfSatisfying(java.util.concurrent.CompletionException.class,
                e -> assertThat(((DeskpoolException) e.getCause()).code()).isEqualTo(ErrorCode.POOL_CLOSED));
        closing.join();
        eventually("no VM is left", () -> provider.liveVmIds().isEmpty());
    }
}
