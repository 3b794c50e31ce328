package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.PoolConfig;
import io.deskpool.core.pool.ReconcilePolicy;
import io.deskpool.core.pool.TokenQuotas;
import io.deskpool.core.pool.VmPool;
import io.deskpool.core.pool.VmState;
import io.deskpool.core.testing.InMemoryProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.deskpool.env.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Resets over their token's quota queue in order instead of being refused (the pool refuses a /v1 lease). */
class QuotaQueueTest {
    private VmPool pool;

    private QuotaQueue queue(int vms, int limit) {
        pool = new VmPool(new InMemoryProvider(), new PoolConfig(vms, vms, vms, Duration.ofMinutes(10), Duration.ofSeconds(30),
                InMemoryProvider.SNAPSHOT, ReconcilePolicy.ADOPT, Duration.ZERO, Duration.ZERO, Duration.ZERO),
                new TokenQuotas(Map.of("lab", limit, "none", 0), Integer.MAX_VALUE), Clock.systemUTC());
        pool.start();
        eventually(() -> pool.status().count(VmState.WARM) == vms);
        QuotaQueue q = new QuotaQueue(pool);
        pool.addListener(q);
        return q;
    }

    @AfterEach
    void close() {
        if (pool != null) {
            pool.close(true, Duration.ofSeconds(10));
        }
    }

    @Test
    void a_reset_over_quota_waits_for_one_of_its_tokens_vms_instead_of_being_refused() throws Exception {
        QuotaQueue q = queue(3, 1);
        Lease first = q.acquire("lab", Duration.ofSeconds(30));

        CompletableFuture<Lease> second = CompletableFuture.supplyAsync(() -> q.acquire("lab", Duration.ofSeconds(30)));
        eventually(() -> q.waiting("lab") == 1);
        assertThat(second).isNotDone();
        pool.release(first.id(), "lab");

        assertThat(second.get(20, TimeUnit.SECONDS).token()).isEqualTo("lab");
        assertThat(q.waiting("lab")).isZero();
    }

    @Test
    void resets_waiting_for_quota_get_it_in_the_order_they_came() throws Exception {
        QuotaQueue q = queue(3, 1);
        Lease held = q.acquire("lab", Duration.ofSeconds(30));
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> a = CompletableFuture.runAsync(() -> take(q, "a", order));
        eventually(() -> q.waiting("lab") == 1);
        CompletableFuture<Void> b = CompletableFuture.runAsync(() -> take(q, "b", order));
        eventually(() -> q.waiting("lab") == 2);

        pool.release(held.id(), "lab");
        a.get(20, TimeUnit.SECONDS);
        b.get(20, TimeUnit.SECONDS);

        assertThat(order).containsExactly("a", "b");
    }

    private void take(QuotaQueue q, String name, List<String> order) {
        Lease l = q.acquire("lab", Duration.ofSeconds(30));
        order.add(name);
        pool.release(l.id(), "lab");
    }

    @Test
    void a_reset_that_waits_past_its_time_for_its_quota_is_a_reset_wait_expired_that_says_to_retry() {
        QuotaQueue q = queue(2, 1);
        q.acquire("lab", Duration.ofSeconds(30));

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class, () -> q.acquire("lab", Duration.ofMillis(300)));

        assertThat(EnvFailure.RESET_WAIT_EXPIRED.is(e)).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.ACQUIRE_TIMEOUT);
        assertThat(e.getMessage()).contains("quota of 1", "retry the reset");
        assertThat(q.waiting("lab")).isZero();
    }

    @Test
    void a_reset_that_waits_past_its_time_for_a_free_vm_is_a_reset_wait_expired_that_says_to_retry() {
        QuotaQueue q = queue(1, 5);
        q.acquire("lab", Duration.ofSeconds(30));

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class, () -> q.acquire("lab", Duration.ofMillis(300)));

        assertThat(EnvFailure.RESET_WAIT_EXPIRED.is(e)).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.ACQUIRE_TIMEOUT);
        assertThat(e.getMessage()).contains("no VM", "retry the reset");
    }

    @Test
    void a_token_whose_limit_is_zero_is_refused_at_once_as_no_quota() {
        QuotaQueue q = queue(1, 1);

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class, () -> q.acquire("none", Duration.ofSeconds(30)));

        assertThat(EnvFailure.NO_QUOTA.is(e)).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
    }

    @Test
    void a_reset_interrupted_while_it_waits_for_its_quota_is_interrupted_and_leaves_the_line() throws Exception {
        QuotaQueue q = queue(2, 1);
        q.acquire("lab", Duration.ofSeconds(30));
        CompletableFuture<DeskpoolException> failure = new CompletableFuture<>();
        Thread waiter = new Thread(() -> failure.complete(
                catchThrowableOfType(DeskpoolException.class, () -> q.acquire("lab", Duration.ofSeconds(60)))));
        waiter.start();
        eventually(() -> q.waiting("lab") == 1);

        waiter.interrupt();

        DeskpoolException e = failure.get(20, TimeUnit.SECONDS);
        assertThat(EnvFailure.INTERRUPTED.is(e)).isTrue();
        assertThat(q.waiting("lab")).isZero();
    }

    @Test
    void a_reset_waiting_for_a_vm_when_the_pool_closes_is_shutting_down() throws Exception {
        QuotaQueue q = queue(1, 5);
        q.acquire("lab", Duration.ofSeconds(30));
        CompletableFuture<DeskpoolException> failure = CompletableFuture.supplyAsync(
                () -> catchThrowableOfType(DeskpoolException.class, () -> q.acquire("lab", Duration.ofSeconds(60))));
        eventually(() -> pool.status().waiting() == 1);

        pool.close(true, Duration.ofSeconds(10));

        DeskpoolException e = failure.get(20, TimeUnit.SECONDS);
        assertThat(EnvFailure.SHUTTING_DOWN.is(e)).isTrue();
    }
}
