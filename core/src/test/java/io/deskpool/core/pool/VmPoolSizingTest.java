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

import static io.deskpool.core.pool.PoolTestSupport.LONG;
import static io.deskpool.core.pool.PoolTestSupport.config;
import static io.deskpool.core.pool.PoolTestSupport.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pool right-sizes itself: idle spares retire, failing boots back off behind a breaker, destroys are retried. */
class VmPoolSizingTest {
    private static final Duration IDLE = Duration.ofMinutes(10);
    private static final Duration BACKOFF = Duration.ofSeconds(10);

    private final MutableClock clock = new MutableClock();
    private final List<VmPool> pools = new ArrayList<>();

    @AfterEach
    void tearDown() {
        pools.forEach(p -> p.close(true, Duration.ofSeconds(10)));
    }

    private VmPool started(InMemoryProvider provider, PoolConfig config) {
        VmPool pool = new VmPool(provider, config, TokenQuotas.unlimited(), clock);
        pools.add(pool);
        pool.start();
        return pool;
    }

    /** Three clients each take a VM and give it back: three spares where one is wanted. */
    private static void burst(VmPool pool) {
        List<Lease> leases = new ArrayList<>();
        for (String t : List.of("a", "b", "c")) {
            leases.add(pool.acquire(t, LONG));
        }
        leases.forEach(l -> pool.release(l.id(), l.token()));
        eventually("all three are spares", () -> pool.status().count(VmState.WARM) == 3);
    }

    @Test
    void spares_beyond_the_warm_target_idle_past_the_retire_time_are_destroyed() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(3, 1, 3).withIdleRetire(IDLE));
        burst(pool);

        clock.advance(IDLE.minusSeconds(1));
        pool.housekeep();
        assertThat(pool.status().count(VmState.WARM)).as("not idle long enough yet").isEqualTo(3);
        clock.advance(Duration.ofSeconds(2));
        pool.housekeep();

        eventually("two were retired", () -> pool.status().total() == 1 && provider.liveVmIds().size() == 1);
        assertThat(pool.status().count(VmState.WARM)).isEqualTo(1);
    }

    @Test
    void a_health_check_does_not_count_as_use_for_retirement() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(3, 1, 3).withIdleRetire(IDLE).withHealth(Duration.ZERO, Duration.ofSeconds(2)));
        burst(pool);

        clock.advance(IDLE.minusSeconds(1));
        pool.checkHealth();
        clock.advance(Duration.ofSeconds(2));
        pool.housekeep();

        eventually("two were retired", () -> pool.status().total() == 1);
    }

    @Test
    void without_a_retire_time_spares_stay() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(3, 1, 3));
        burst(pool);

        clock.advance(Duration.ofDays(1));
        pool.housekeep();

        assertThat(pool.status().count(VmState.WARM)).isEqualTo(3);
    }

    @Test
    void repeated_boot_failures_open_the_breaker_and_no_boot_starts_until_its_backoff_is_over() {
        InMemoryProvider provider = new InMemoryProvider();
        provider.failNextLaunches(1000);
        VmPool pool = started(provider, config(3, 3, 3).withBreaker(3, BACKOFF, Duration.ofMinutes(1)));
        eventually("the breaker opened", () -> pool.status().breaker().state() == BreakerStatus.State.OPEN);
        int launches = provider.launches.get();

        pool.housekeep();
        pool.housekeep();

        assertThat(provider.launches.get()).as("no boot while open").isEqualTo(launches);
        BreakerStatus breaker = pool.status().breaker();
        assertThat(breaker.failures()).isGreaterThanOrEqualTo(3);
        assertThat(breaker.lastFailure()).contains("failed on demand");
        assertThat(breaker.retryAt()).isPresent();
    }

    @Test
    void a_half_open_breaker_lets_one_trial_boot_run_at_a_time() {
        InMemoryProvider provider = new InMemoryProvider();
        provider.failNextLaunches(3);
        // A backoff longer than the test waits: the boots after the trial must not wait for it.
        VmPool pool = started(provider, config(3, 3, 3).withBreaker(3, Duration.ofMinutes(2), Duration.ofMinutes(5)));
        eventually("the breaker opened", () -> pool.status().breaker().state() == BreakerStatus.State.OPEN);
        provider.withClosedGate();

        clock.advance(Duration.ofMinutes(10));
        pool.housekeep();

        eventually("the trial boot waits at the gate", () -> provider.bootsInFlight() == 1);
        assertThat(pool.status().count(VmState.BOOTING)).isEqualTo(1);
        assertThat(pool.status().breaker().state()).isEqualTo(BreakerStatus.State.HALF_OPEN);
        provider.openGateFully();
        eventually("the breaker closed and the spares booted", () -> pool.status().count(VmState.WARM) == 3);
        assertThat(pool.status().breaker().state()).isEqualTo(BreakerStatus.State.CLOSED);
    }

    @Test
    void a_boot_held_back_by_the_backoff_is_not_started_once_nobody_needs_it() {
        InMemoryProvider provider = new InMemoryProvider();
        provider.failNextLaunches(1);
        VmPool pool = started(provider, config(1, 0, 1).withBreaker(5, BACKOFF, Duration.ofMinutes(1)));
        assertThatThrownBy(() -> pool.acquire("alpha", Duration.ofMillis(300)))
                .hasFieldOrPropertyWithValue("code", ErrorCode.ACQUIRE_TIMEOUT);
        assertThat(provider.launches.get()).isEqualTo(1);

        clock.advance(BACKOFF.multipliedBy(2));
        pool.housekeep();

        assertThat(provider.launches.get()).as("the client gave up: no boot after the backoff").isEqualTo(1);
        assertThat(pool.status().total()).isZero();
    }

    @Test
    void an_acquire_that_times_out_behind_an_open_breaker_says_so() {
        InMemoryProvider provider = new InMemoryProvider();
        provider.failNextLaunches(1000);
        VmPool pool = started(provider, config(1, 1, 1).withBreaker(1, BACKOFF, Duration.ofMinutes(1)));
        eventually("the breaker opened", () -> pool.status().breaker().state() == BreakerStatus.State.OPEN);

        assertThatThrownBy(() -> pool.acquire("alpha", Duration.ofMillis(100)))
                .isInstanceOfSatisfying(DeskpoolException.class, e ->
                        assertThat(e.getMessage()).contains("circuit breaker open").contains("failed on demand"));
    }

    @Test
    void a_failed_revert_counts_against_the_breaker() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(1, 1, 1));
        Lease lease = pool.acquire("alpha", LONG);
        provider.failNextReverts(1);

        pool.release(lease.id(), "alpha");

        eventually("the revert failed", () -> pool.status().breaker().lastFailure().contains("revert"));
        eventually("a replacement booted and closed the breaker", () -> pool.status().count(VmState.WARM) == 1
                && pool.status().breaker().failures() == 0);
    }

    @Test
    void a_failed_destroy_is_not_retried_before_its_backoff_and_is_listed_until_it_succeeds() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = started(provider, config(1, 1, 1));
        Lease lease = pool.acquire("alpha", LONG);
        provider.failNextDestroys(2);
        pool.markBroken(lease.id(), "alpha", "");
        eventually("the first destroy failed", () -> pool.status().failedDestroys().size() == 1);

        pool.housekeep();
        pool.housekeep();
        assertThat(provider.destroys.get()).as("no retry within the backoff").isEqualTo(1);
        clock.advance(PoolWork.FIRST_DESTROY_BACKOFF);
        pool.housekeep();
        eventually("the second attempt failed too", () -> provider.destroys.get() == 2
                && pool.status().failedDestroys().get(0).attempts() == 2);
        assertThat(pool.status().failedDestroys().get(0).nextAttempt())
                .as("the backoff doubled").isEqualTo(clock.instant().plus(PoolWork.FIRST_DESTROY_BACKOFF.multipliedBy(2)));
        clock.advance(PoolWork.FIRST_DESTROY_BACKOFF.multipliedBy(2));
        pool.housekeep();

        eventually("the third attempt destroyed it", () -> !provider.liveVmIds().contains(lease.vmId())
                && pool.status().failedDestroys().isEmpty());
    }

    @Test
    void the_destroy_backoff_doubles_up_to_its_cap() {
        assertThat(PoolWork.destroyBackoff(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(PoolWork.destroyBackoff(3)).isEqualTo(Duration.ofSeconds(8));
        assertThat(PoolWork.destroyBackoff(40)).isEqualTo(PoolWork.MAX_DESTROY_BACKOFF);
    }
}
