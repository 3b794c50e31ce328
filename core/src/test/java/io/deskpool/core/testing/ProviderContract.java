package io.deskpool.core.testing;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.ErrorKind;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.RevertResult;
import io.deskpool.core.spi.VmExit;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmHealth;
import io.deskpool.core.spi.VmLabels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * What every provider promises the pool, checked against its real backend (or the stand-in its module names):
 * launch and ready, revert, an unknown snapshot, destroy twice, list owned, a VM killed behind the provider's back,
 * and a backend that is gone. Each provider module's tests extend this with how to build its provider and how to
 * break its backend.
 *
 * <p>Booting is the expensive step, so the tests share one ready VM and run in a fixed order (the one that kills it
 * runs last); each still checks one behaviour.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class ProviderContract {
    /** A broken backend must fail calls promptly; this only guards against a hang. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(90);
    private static final Set<ErrorKind> BACKEND_FAILURES = Set.of(ErrorKind.UNAVAILABLE, ErrorKind.EXTERNAL);

    /** The owner id the provider labels its VMs with; another owner's provider must not list them. */
    protected final String owner = "contract-" + UUID.randomUUID().toString().substring(0, 8);

    private Provider provider;
    private boolean exitsReported;
    private final List<VmExit> exits = new CopyOnWriteArrayList<>();
    private VmHandle ready;

    /** A provider for {@code ownerId} on a working backend; the contract closes it. */
    protected abstract Provider createProvider(String ownerId) throws Exception;

    /**
     * A provider for {@code ownerId} whose backend is gone (engine stopped, endpoint closed, program missing),
     * or a {@link DeskpoolException} if building one already fails on that.
     */
    protected abstract Provider createProviderWithBackendGone(String ownerId) throws Exception;

    /** Ends the VM's process, container or instance behind the provider's back, as kill -9 or a crash would. */
    protected abstract void killBehindTheProvidersBack(VmHandle vm) throws Exception;

    /** How long a boot may take on this backend and machine. */
    protected Duration readyTimeout() {
        return Duration.ofSeconds(180);
    }

    /** How long the provider may take to notice a VM that was killed. */
    protected Duration noticeTimeout() {
        return Duration.ofSeconds(30);
    }

    /** Removes whatever the owner's VMs left on the backend, whatever the tests did. */
    protected void removeLeftovers(String ownerId) throws Exception {
    }

    @BeforeAll
    final void createTheProvider() throws Exception {
        provider = createProvider(owner);
        exitsReported = provider.watchExits(exits::add);
    }

    @AfterAll
    final void destroyEverythingAndClose() throws Exception {
        try {
            if (provider != null) {
                for (VmHandle vm : provider.listOwned()) {
                    provider.destroy(vm);
                }
                provider.close();
            }
        } finally {
            removeLeftovers(owner);
        }
    }

    /** The provider under test (for subclasses' own checks). */
    protected final Provider provider() {
        return provider;
    }

    /** The shared VM, launched and waited for on first use. */
    protected final synchronized VmHandle readyVm() {
        if (ready == null) {
            VmHandle launched = provider.launch("vm-contract", provider.baseSpec().withLabels(Map.of("purpose", "contract")));
            ready = provider.awaitReady(launched, readyTimeout());
        }
        return ready;
    }

    @Test
    @Order(1)
    void a_ready_vm_carries_the_owner_and_vm_id_labels_and_has_endpoints() {
        VmHandle vm = readyVm();

        assertThat(vm.id()).isEqualTo("vm-contract");
        assertThat(vm.provider()).isEqualTo(provider.name());
        assertThat(vm.labels()).containsEntry(VmLabels.OWNER, owner).containsEntry(VmLabels.VM_ID, "vm-contract")
                .containsEntry("purpose", "contract");
        assertThat(vm.endpoints()).isPresent();
    }

    @Test
    @Order(2)
    void a_ready_vm_is_healthy() {
        VmHealth health = provider.checkHealth(readyVm(), Duration.ofSeconds(10));

        assertThat(health.status()).as(health.detail()).isEqualTo(VmHealth.Status.HEALTHY);
    }

    @Test
    @Order(3)
    void list_owned_finds_this_owners_vm_and_another_owner_does_not() throws Exception {
        VmHandle vm = readyVm();

        assertThat(provider.listOwned()).extracting(VmHandle::id).contains(vm.id());
        Provider other = createProvider("contract-other-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            assertThat(other.listOwned()).extracting(VmHandle::id).doesNotContain(vm.id());
        } finally {
            other.close();
        }
    }

    @Test
    @Order(4)
    void revert_to_the_default_snapshot_gives_back_the_same_vm_answering() {
        VmHandle vm = readyVm();

        RevertResult result = provider.revert(vm, provider.defaultSnapshot());
        synchronized (this) {
            ready = result.vm();
        }

        assertThat(result.vm().id()).isEqualTo(vm.id());
        assertThat(result.vm().endpoints()).isPresent();
        VmHealth after = provider.checkHealth(result.vm(), Duration.ofSeconds(10));
        assertThat(after.status()).as(after.detail()).isEqualTo(VmHealth.Status.HEALTHY);
    }

    @Test
    @Order(5)
    void revert_to_an_unknown_snapshot_fails_with_unknown_snapshot_and_leaves_the_vm_working() {
        VmHandle vm = readyVm();

        assertThatThrownBy(() -> provider.revert(vm, "no-such-snapshot"))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_SNAPSHOT);
                    assertThat(e.getMessage()).contains("no-such-snapshot");
                });
        assertThat(provider.checkHealth(vm, Duration.ofSeconds(10)).isHealthy()).isTrue();
    }

    @Test
    @Order(6)
    void destroying_twice_is_not_an_error_and_the_vm_is_no_longer_listed() {
        VmHandle vm = provider.launch("vm-twice", provider.baseSpec());

        provider.destroy(vm);

        assertThatCode(() -> provider.destroy(vm)).doesNotThrowAnyException();
        assertThat(provider.listOwned()).extracting(VmHandle::id).doesNotContain("vm-twice");
    }

    @Test
    @Order(7)
    void calls_on_a_backend_that_is_gone_fail_with_a_typed_error_without_hanging() {
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            Provider broken;
            try {
                broken = createProviderWithBackendGone(owner + "-gone");
            } catch (DeskpoolException e) {
                assertThat(e.code().kind()).as(e.getMessage()).isIn(BACKEND_FAILURES);
                return;
            }
            try {
                assertThatThrownBy(() -> broken.launch("vm-nowhere", broken.baseSpec()))
                        .isInstanceOfSatisfying(DeskpoolException.class, e ->
                                assertThat(e.code().kind()).as(e.getMessage()).isIn(BACKEND_FAILURES));
                VmHandle stranger = new VmHandle("vm-nowhere", broken.name(), "nowhere", Optional.empty(), Map.of(),
                        java.time.Instant.EPOCH);
                assertThat(broken.checkHealth(stranger, Duration.ofSeconds(5)).isHealthy()).isFalse();
            } finally {
                broken.close();
            }
        });
    }

    @Test
    @Order(100)
    void a_vm_killed_behind_the_providers_back_is_noticed() throws Exception {
        VmHandle vm = readyVm();

        killBehindTheProvidersBack(vm);

        long deadline = System.nanoTime() + noticeTimeout().toNanos();
        VmHealth health = provider.checkHealth(vm, Duration.ofSeconds(5));
        while (health.isHealthy() || (exitsReported && exits.stream().noneMatch(e -> e.vmId().equals(vm.id())))) {
            if (System.nanoTime() > deadline) {
                fail("the killed VM was not noticed within " + noticeTimeout() + ": health " + health
                        + (exitsReported ? ", exits reported " + exits : ""));
            }
            Thread.sleep(200);
            health = provider.checkHealth(vm, Duration.ofSeconds(5));
        }
        if (exitsReported) {
            assertThat(exits).filteredOn(e -> e.vmId().equals(vm.id())).first()
                    .satisfies(e -> assertThat(e.backendId()).isEqualTo(vm.backendId()));
        }
    }
}
