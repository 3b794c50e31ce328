package io.deskpool.provider.vmware;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.probe.Probes;
import io.deskpool.core.probe.ReadinessProbe;
import io.deskpool.core.probe.ReadinessWaiter;
import io.deskpool.core.spi.ForkSupport;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.RevertResult;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmHealth;
import io.deskpool.core.spi.VmSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Desktops on VMware Workstation or Fusion through vmrun. The VMs are the user's existing .vmx files: a launch
 * claims a free one (a claim file in the state folder, so ownership survives restarts), reverts it to the
 * clean snapshot when it has one and powers it on; readiness is the guest IP from VMware Tools plus the core
 * desktop probes on that IP; the clean snapshot is taken after the first readiness when missing; destroy
 * powers the VM off and releases the claim, leaving the .vmx in place.
 */
public final class VmwareProvider implements Provider {
    static final String NAME = "vmware";

    private static final Logger log = LoggerFactory.getLogger(VmwareProvider.class);
    // Nominal sizes for baseSpec only: each .vmx sets its own memory, CPUs and disk.
    private static final int NOMINAL_MEMORY_MB = 4096;
    private static final int NOMINAL_CPUS = 4;
    private static final int NOMINAL_DISK_GB = 32;
    private static final Duration POWER_CHECK_INTERVAL = Duration.ofSeconds(5);

    private final VmwareConfig config;
    private final Vmrun vmrun;
    private final VmxClaims claims;
    private final String ownerId;
    private final Clock clock;
    private final ReadinessWaiter waiter;
    private final ReadinessProbe probe;
    private final GuestIpWaiter guestIp;
    private final Object claimLock = new Object();

    VmwareProvider(VmwareConfig config, Vmrun vmrun, VmxClaims claims, String ownerId, Clock clock,
                   ReadinessWaiter waiter) {
        this.config = requireNonNull(config, "config is null");
        this.vmrun = requireNonNull(vmrun, "vmrun is null");
        this.claims = requireNonNull(claims, "claims is null");
        this.ownerId = requireNonNull(ownerId, "ownerId is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.waiter = requireNonNull(waiter, "waiter is null");
        // An image without Chrome's DevTools port (set to 0) is ready once its screenshot answers.
        this.probe = config.guestPorts().cdp() == 0 ? Probes.screenshot() : Probes.desktop();
        this.guestIp = new GuestIpWaiter(vmrun);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Forking is not offered: see the reason (also in the module README). */
    @Override
    public ForkSupport forkSupport() {
        return ForkSupport.unsupported("vmrun cannot start new VMs from a running VM's memory. A fork would take a snapshot with "
                + "memory and make linked clones of it ('vmrun clone <vmx> <copy.vmx> linked -snapshot=<name>'), "
                + "each then registered, given its own network identity and started; not built, and not testable "
                + "without VMware");
    }

    @Override
    public VmSpec baseSpec() {
        return new VmSpec("", NOMINAL_MEMORY_MB, NOMINAL_CPUS, NOMINAL_DISK_GB, config.screen(), Map.of());
    }

    @Override
    public Duration defaultReadyTimeout() {
        return config.readyTimeout();
    }

    @Override
    public String defaultSnapshot() {
        return config.snapshot();
    }

    /**
     * Claims a free .vmx ({@code spec.image()} may name one of the configured ones), reverts it to the clean
     * snapshot when it has one, and powers it on.
     *
     * @throws DeskpoolException {@code CLOUD_CAPACITY} when every .vmx is claimed or running outside Deskpool
     */
    @Override
    public VmHandle launch(String vmId, VmSpec spec) {
        requireNonNull(vmId, "vmId is null");
        requireNonNull(spec, "spec is null");
        List<Path> running = vmrun.listRunning();
        VmxClaim claim = claim(vmId, spec, running);
        Path vmx = claim.vmx();
        log.info("VM {} claimed {}", vmId, vmx);
        try {
            if (vmrun.listSnapshots(vmx).contains(config.snapshot())) {
                log.info("VM {}: reverting {} to snapshot '{}' so it starts clean", vmId, vmx, config.snapshot());
                vmrun.revertToSnapshot(vmx, config.snapshot());
            }
            powerOn(vmId, vmx);
        } catch (RuntimeException e) {
            undoLaunch(claim, e);
            throw e;
        }
        return handleOf(claim);
    }

    /** Waits for the guest IP and the desktop, then takes the clean snapshot if the VM does not have it yet. */
    @Override
    public VmHandle awaitReady(VmHandle vm, Duration timeout) {
        Path vmx = requireOwnClaim(vm).vmx();
        VmHandle ready = awaitDesktop(vm, vmx, timeout);
        if (!vmrun.listSnapshots(vmx).contains(config.snapshot())) {
            log.info("VM {}: taking snapshot '{}' of {} (first readiness; later reverts come back here)", vm.id(),
                    config.snapshot(), vmx);
            vmrun.snapshot(vmx, config.snapshot());
        }
        return ready;
    }

    /**
     * {@code revertToSnapshot}, then {@code start} if the snapshot left the VM powered off, then readiness
     * again (the guest IP may have changed).
     *
     * @throws DeskpoolException {@code UNKNOWN_SNAPSHOT} naming the snapshots the VM has
     */
    @Override
    public RevertResult revert(VmHandle vm, String snapshot) {
        requireNonNull(snapshot, "snapshot is null");
        long start = System.nanoTime();
        Path vmx = requireOwnClaim(vm).vmx();
        List<String> snapshots = vmrun.listSnapshots(vmx);
        if (!snapshots.contains(snapshot)) {
            throw unknownSnapshot(vm, vmx, snapshot, snapshots, null);
        }
        try {
            vmrun.revertToSnapshot(vmx, snapshot);
        } catch (DeskpoolException e) {
            List<String> now = vmrun.listSnapshots(vmx);
            if (!now.contains(snapshot)) {
                throw unknownSnapshot(vm, vmx, snapshot, now, e);
            }
            throw e;
        }
        powerOn(vm.id(), vmx);
        VmHandle ready = awaitDesktop(vm, vmx, config.readyTimeout());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        log.info("VM {} reverted to '{}' in {} ms", vm.id(), snapshot, took.toMillis());
        return new RevertResult(ready, RevertPath.SNAPSHOT, took);
    }

    /** {@code stop <vmx> hard} and release the claim; the .vmx and its disks stay (they are the user's). */
    @Override
    public void destroy(VmHandle vm) {
        Path vmx = vmxOf(vm);
        Optional<VmxClaim> claim = claims.find(vmx);
        if (claim.isEmpty() || !claim.get().heldBy(ownerId, vm.id())) {
            log.info("VM {}: {} is not claimed by it any more; nothing to destroy", vm.id(), vmx);
            return;
        }
        powerOff(vm.id(), vmx);
        claims.release(claim.get());
        log.info("VM {} destroyed: {} is powered off and released (the .vmx is kept)", vm.id(), vmx);
    }

    /**
     * Every .vmx this server claimed, from the claim files, whether VMware still runs it or not: a claimed VM
     * that is powered off still holds its .vmx, and the pool's reconcile (revert = power on, or destroy) is what
     * frees or reuses it. Listing it keeps that slot from being lost until someone deletes the claim file.
     */
    /**
     * Probe only: the in-VM server's {@code GET /platform}. vmrun has no event stream to report a powered-off VM
     * (so {@link #watchExits} is not offered), and {@code vmrun list} per VM every health interval would start a
     * process each time and queue behind the vmrun calls of boots and reverts, which VMware serialises per host.
     */
    @Override
    public VmHealth checkHealth(VmHandle vm, Duration timeout) {
        return Provider.super.checkHealth(vm, timeout);
    }

    @Override
    public List<VmHandle> listOwned() {
        return claims.all().stream().filter(c -> c.ownerId().equals(ownerId)).map(VmwareProvider::handleOf).toList();
    }

    @Override
    public List<VmHandle> listForeign() {
        return claims.all().stream().filter(c -> !c.ownerId().equals(ownerId)).map(VmwareProvider::handleOf).toList();
    }

    // ---- steps ---------------------------------------------------------------------------------------------

    private VmxClaim claim(String vmId, VmSpec spec, List<Path> running) {
        List<Path> candidates = spec.image().isBlank() ? config.vmxFiles() : List.of(configuredVmx(spec.image()));
        synchronized (claimLock) {
            var claimedBy = new ArrayList<VmxClaim>();
            var outside = new ArrayList<Path>();
            for (Path vmx : candidates) {
                Optional<VmxClaim> existing = claims.find(vmx);
                if (existing.isPresent()) {
                    claimedBy.add(existing.get());
                } else if (running.contains(vmx)) {
                    // Powered on but claimed by no Deskpool VM: a person or another tool is using it.
                    outside.add(vmx);
                } else {
                    VmxClaim claim = new VmxClaim(vmx, ownerId, vmId, clock.instant(), spec.labels());
                    if (claims.tryClaim(claim)) {
                        return claim;
                    }
                    claims.find(vmx).ifPresent(claimedBy::add);
                }
            }
            throw noFreeVmx(candidates, claimedBy, outside, !spec.image().isBlank());
        }
    }

    private Path configuredVmx(String image) {
        Path wanted;
        try {
            wanted = VmxInventory.normalize(Path.of(image));
        } catch (InvalidPathException e) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "image '" + image + "' is not a .vmx path", e);
        }
        if (!config.vmxFiles().contains(wanted)) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "image '" + image + "' is not one of the "
                    + config.vmxFiles().size() + " .vmx files configured in " + VmwareSettings.VMX_DIR.name() + " / "
                    + VmwareSettings.VMX_PATHS.name());
        }
        return wanted;
    }

    private static DeskpoolException noFreeVmx(List<Path> candidates, List<VmxClaim> claimedBy, List<Path> outside,
                                               boolean named) {
        String message;
        if (named) {
            message = candidates.get(0) + " is in use: " + (claimedBy.isEmpty() ? "it runs outside Deskpool"
                    : "claimed by VM " + claimedBy.get(0).vmId() + " of " + claimedBy.get(0).ownerId());
        } else {
            message = "all " + candidates.size() + " configured .vmx are in use (" + claimedBy.size()
                    + " claimed by Deskpool VMs, " + outside.size() + " running outside Deskpool"
                    + (outside.isEmpty() ? "" : ": " + outside) + "); add .vmx files to "
                    + VmwareSettings.VMX_DIR.name() + " or " + VmwareSettings.VMX_PATHS.name() + ", or lower POOL_SIZE";
        }
        return new DeskpoolException(ErrorCode.CLOUD_CAPACITY, message, Map.of(
                "vmx_total", String.valueOf(candidates.size()),
                "vmx_claimed", String.valueOf(claimedBy.size()),
                "vmx_running_outside", String.valueOf(outside.size())), null);
    }

    private void powerOn(String vmId, Path vmx) {
        if (!vmrun.isRunning(vmx)) {
            log.info("VM {}: starting {} ({})", vmId, vmx, config.headless() ? "nogui" : "gui");
            vmrun.start(vmx, config.headless());
        }
    }

    private void powerOff(String vmId, Path vmx) {
        if (!vmrun.isRunning(vmx)) {
            return;
        }
        try {
            vmrun.stopHard(vmx);
        } catch (DeskpoolException e) {
            if (vmrun.isRunning(vmx)) {
                throw e;
            }
            log.info("VM {}: vmrun stop failed but {} is off now ({})", vmId, vmx, e.getMessage());
        }
    }

    /** A failed launch leaves nothing behind: power off what was started, then release the claim. */
    private void undoLaunch(VmxClaim claim, RuntimeException cause) {
        try {
            powerOff(claim.vmId(), claim.vmx());
            claims.release(claim);
            log.info("VM {}: launch failed, {} released", claim.vmId(), claim.vmx());
        } catch (RuntimeException cleanup) {
            cause.addSuppressed(cleanup);
            log.error("VM {}: could not clean up after the failed launch; the claim on {} is kept so listOwned"
                    + " still finds it: {}", claim.vmId(), claim.vmx(), cleanup.getMessage());
        }
    }

    private VmHandle awaitDesktop(VmHandle vm, Path vmx, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String ip = guestIp.await(vm.id(), vmx, timeout, deadline);
        VmEndpoints endpoints = config.guestPorts().at(ip);
        log.info("VM {}: guest IP {}; waiting for the desktop", vm.id(), ip);
        waiter.await(vm.id(), probe, endpoints, remaining(deadline), new PowerCheck(vmx));
        return vm.withEndpoints(endpoints);
    }

    private DeskpoolException unknownSnapshot(VmHandle vm, Path vmx, String snapshot, List<String> snapshots,
                                              Throwable cause) {
        return new DeskpoolException(ErrorCode.UNKNOWN_SNAPSHOT, "VM " + vm.id() + " (" + vmx + ") has no snapshot '"
                + snapshot + "'; it has: " + (snapshots.isEmpty() ? "none" : String.join(", ", snapshots)),
                Map.of("snapshot", snapshot), cause);
    }

    private VmxClaim requireOwnClaim(VmHandle vm) {
        Path vmx = vmxOf(vm);
        Optional<VmxClaim> claim = claims.find(vmx);
        if (claim.isEmpty() || !claim.get().heldBy(ownerId, vm.id())) {
            throw new DeskpoolException(ErrorCode.UNKNOWN_VM, "VM " + vm.id() + " does not hold " + vmx + " any more ("
                    + claim.map(c -> "it is claimed by VM " + c.vmId() + " of " + c.ownerId()).orElse("it was destroyed")
                    + ")");
        }
        return claim.get();
    }

    private static Path vmxOf(VmHandle vm) {
        return VmxInventory.normalize(Path.of(vm.backendId()));
    }

    private static VmHandle handleOf(VmxClaim claim) {
        return new VmHandle(claim.vmId(), NAME, claim.vmx().toString(), Optional.empty(), claim.labels(),
                claim.claimedAt());
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /** Tells the readiness waiter when the VM powered off, asking vmrun at most every few seconds. */
    private final class PowerCheck implements Supplier<Optional<String>> {
        private final Path vmx;
        private long nextCheck = System.nanoTime() + POWER_CHECK_INTERVAL.toNanos();

        PowerCheck(Path vmx) {
            this.vmx = vmx;
        }

        @Override
        public Optional<String> get() {
            if (System.nanoTime() < nextCheck) {
                return Optional.empty();
            }
            nextCheck = System.nanoTime() + POWER_CHECK_INTERVAL.toNanos();
            return vmrun.isRunningOrUnknown(vmx) ? Optional.empty()
                    : Optional.of("vmrun list no longer shows " + vmx + " (the VM powered off)");
        }
    }
}
