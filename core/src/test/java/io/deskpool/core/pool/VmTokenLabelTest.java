package io.deskpool.core.pool;

import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmLabels;
import io.deskpool.core.testing.InMemoryProvider;
import io.deskpool.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** A VM booted for a token is labelled with the token's keyed label, never the token: labels are public. */
class VmTokenLabelTest {
    private final MutableClock clock = new MutableClock();

    private static VmHandle bootedFor(String token, InMemoryProvider provider, VmPool pool) {
        pool.start();
        try {
            Lease lease = pool.acquire(token, PoolTestSupport.LONG);
            return provider.listOwned().stream().filter(h -> h.id().equals(lease.vmId())).findFirst().orElseThrow();
        } finally {
            pool.close(true, Duration.ofSeconds(10));
        }
    }

    @Test
    void a_vm_booted_for_a_token_carries_its_label_not_the_token() {
        InMemoryProvider provider = new InMemoryProvider();
        UnaryOperator<String> label = t -> "tok-" + Integer.toHexString(t.hashCode());
        VmPool pool = new VmPool(provider, PoolTestSupport.config(1, 0, 1), TokenQuotas.unlimited(), clock, label);

        VmHandle vm = bootedFor("alice-secret-token", provider, pool);

        assertThat(vm.labels()).containsEntry(VmLabels.TOKEN, label.apply("alice-secret-token"))
                .doesNotContainValue("alice-secret-token");
    }

    @Test
    void a_pool_without_a_labelling_gives_its_vms_no_token_label() {
        InMemoryProvider provider = new InMemoryProvider();
        VmPool pool = new VmPool(provider, PoolTestSupport.config(1, 0, 1), TokenQuotas.unlimited(), clock);

        VmHandle vm = bootedFor("alice-secret-token", provider, pool);

        assertThat(vm.labels()).doesNotContainKey(VmLabels.TOKEN).doesNotContainValue("alice-secret-token");
    }
}
