package io.deskpool.core.spi;

import io.deskpool.core.probe.ProbeResult;
import io.deskpool.core.probe.Probes;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A backend that runs desktop VMs. Implementations are thread-safe: the pool calls them from several threads
 * at once, for different VMs. Every method may block for as long as the backend needs and reports failures as
 * {@link io.deskpool.core.DeskpoolException}. A method that fails must not leave a VM behind that
 * {@link #listOwned()} would not find.
 */
public interface Provider extends AutoCloseable {
    /** The factory name this provider was built by. */
    String name();

    /** The spec the settings describe (image, RAM, CPUs, disk, screen); the pool launches every VM from it. */
    VmSpec baseSpec();

    /** How long a VM of this backend may take to become ready when {@code VM_READY_TIMEOUT} is not set. */
    Duration defaultReadyTimeout();

    /** The snapshot revert goes back to when none is named. */
    String defaultSnapshot();

    /**
     * Starts a VM and returns as soon as the backend accepted it; it is not ready yet. The VM carries the
     * owner and VM-id labels ({@link VmLabels}) so that {@link #listOwned()} finds it.
     */
    VmHandle launch(String vmId, VmSpec spec);

    /**
     * Blocks until the VM answers its readiness probes, at most {@code timeout}, then takes whatever the
     * backend needs for fast reverts (the clean snapshot). Returns the VM with its endpoints known.
     *
     * @throws io.deskpool.core.DeskpoolException {@code READY_TIMEOUT} naming what was awaited
     */
    VmHandle awaitReady(VmHandle vm, Duration timeout);

    /**
     * Brings the VM back to the named snapshot and returns once it answers again.
     *
     * @throws io.deskpool.core.DeskpoolException {@code UNKNOWN_SNAPSHOT} for a snapshot the VM does not have
     */
    RevertResult revert(VmHandle vm, String snapshot);

    /** Destroys the VM and everything it holds (disk overlays, volumes). Destroying a gone VM is not an error. */
    void destroy(VmHandle vm);

    /** Every VM this backend holds that carries this server's owner label, including ones from earlier runs. */
    List<VmHandle> listOwned();

    /** The VMs this backend holds that carry an owner label other than ours (for reconcile reports). */
    default List<VmHandle> listForeign() {
        return List.of();
    }

    /** The VM's resource use, where the backend can tell. */
    default ResourceStats stats(VmHandle vm) {
        return ResourceStats.UNKNOWN;
    }

    /**
     * Whether the VM still runs and answers, within about {@code timeout}. The pool calls it before it hands out a
     * warm VM and every {@code HEALTH_INTERVAL} for every VM it holds, leased ones included, so it must be cheap,
     * bounded, safe to call from several threads, never block behind a long operation on the same VM, and never
     * change the VM (no input, no state). It reports what it saw rather than throwing.
     *
     * <p>The default asks the in-VM server for {@code GET /platform}, which every OSWorld desktop answers: a VM
     * that does not is {@code UNRESPONSIVE}. A provider that can see the VM's process or container does better
     * (a process that exited is {@code GONE} at once, a frozen one does not cost the whole timeout).
     */
    default VmHealth checkHealth(VmHandle vm, Duration timeout) {
        if (vm.endpoints().isEmpty()) {
            return VmHealth.unresponsive("VM " + vm.id() + " has no endpoints to probe");
        }
        ProbeResult r = Probes.platform().check(vm.endpoints().get(), timeout);
        return r.passed() ? VmHealth.healthy(r.detail())
                : VmHealth.unresponsive("the in-VM server did not answer GET /platform: " + r.detail());
    }

    /**
     * Starts telling {@code listener} about every VM of this provider whose process or container ends without
     * {@link #destroy} or {@link #revert} ending it, as soon as the backend says so (a process exit, a Docker
     * {@code die} event). The pool calls it once, before it launches anything; the listener is called on the
     * provider's threads, must be quick and does not throw. A report about a VM the pool no longer holds, or
     * about a VM it is destroying, is harmless.
     *
     * @return whether this provider reports exits; {@code false} (the default) means the pool learns about a VM
     *         that ended from {@link #checkHealth} alone, every {@code HEALTH_INTERVAL}
     */
    default boolean watchExits(Consumer<VmExit> listener) {
        return false;
    }

    /** Whether hardware acceleration (KVM) is in use, for health reports. */
    default boolean hardwareAccelerated() {
        return false;
    }

    /**
     * Whether {@link #fork} works with this provider on this host. Must not block. Providers without the capability
     * keep the default, which says so.
     */
    default ForkSupport forkSupport() {
        return ForkSupport.unsupported("the " + name() + " provider cannot copy a running VM");
    }

    /**
     * Copies a running VM into {@code request.count()} new VMs with the parent's memory, device and disk state,
     * each with network endpoints of its own, and returns them once each answers its readiness probes (in the
     * order of {@code request.childIds()}). The parent keeps running as it was. All or nothing: when any copy
     * fails, none is left behind, and the parent still runs.
     *
     * @throws io.deskpool.core.DeskpoolException {@code UNSUPPORTED_BY_PROVIDER} with {@link #forkSupport()}'s
     *         reason when the provider cannot fork; {@code UNKNOWN_VM} for a parent it does not hold
     */
    default List<VmHandle> fork(ForkRequest request) {
        throw new io.deskpool.core.DeskpoolException(io.deskpool.core.ErrorCode.UNSUPPORTED_BY_PROVIDER,
                forkSupport().reason());
    }

    /** Releases clients and threads; does not destroy VMs (the pool decides that). */
    @Override
    default void close() {
    }
}
