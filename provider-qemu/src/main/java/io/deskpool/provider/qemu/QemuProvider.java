package io.deskpool.provider.qemu;

import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.probe.Probes;
import io.deskpool.core.probe.ReadinessProbe;
import io.deskpool.core.probe.ReadinessWaiter;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.ResourceStats;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.RevertResult;
import io.deskpool.core.spi.ScreenSize;
import io.deskpool.core.spi.VmExit;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmHealth;
import io.deskpool.core.spi.VmLabels;
import io.deskpool.core.spi.VmSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Runs each VM as a {@code qemu-system-x86_64} process on this host, booting a qcow2 overlay over the read-only
 * base image, with the guest's ports forwarded to free ports on the bind address. When a VM first becomes ready
 * its state is saved as a snapshot in its overlay ({@link CleanSnapshot}); a revert loads it in a fraction of a
 * second without a reboot. A VM without a loadable snapshot is rebooted from a fresh overlay instead. Everything
 * a VM has lives in its {@link VmDirectory}, which lets a restarted server find its VMs again.
 */
public final class QemuProvider implements Provider {
    private static final Logger log = LoggerFactory.getLogger(QemuProvider.class);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /** A restored guest answers within a second; one that does not is rebooted rather than waited for. */
    private static final Duration RESTORED_READY_TIMEOUT = Duration.ofSeconds(30);

    private final QemuConfig config;
    private final Accelerator accelerator;
    private final String ownerId;
    private final Clock clock;
    private final StateDirectory state;
    private final ScreenSize screen;
    private final TestGuestImage testGuest;
    private final QemuStarter starter;
    private final CleanSnapshot snapshot;
    private final ReadinessProbe probe;
    private final ReadinessWaiter bootWaiter = ReadinessWaiter.standard();
    private final Map<String, QemuVm> vms = new ConcurrentHashMap<>();
    private final QemuExitWatch exitWatch = new QemuExitWatch(vm -> vms.get(vm.id()) == vm);
    private final GuestNetworks networks;

    QemuProvider(QemuConfig config, Path binary, Path imgBinary, Accelerator accelerator, String ownerId, Clock clock,
                 Path stateDir, ScreenSize screen, TestGuestImage testGuest,
                 Optional<IsolatedGuestNetwork.Tools> isolationTools) {
        this.config = requireNonNull(config, "config is null");
        this.accelerator = requireNonNull(accelerator, "accelerator is null");
        this.ownerId = requireNonNull(ownerId, "ownerId is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.state = new StateDirectory(stateDir);
        this.screen = requireNonNull(screen, "screen is null");
        this.testGuest = requireNonNull(testGuest, "testGuest is null");
        this.starter = new QemuStarter(config, binary, imgBinary, accelerator);
        this.networks = new GuestNetworks(config, isolationTools);
        this.probe = config.readyProbe() == QemuConfig.ReadyProbeKind.DESKTOP ? Probes.desktop() : Probes.screenshot();
        this.snapshot = new CleanSnapshot(config.snapshotName(), new GuestClock(config.clockSyncCommand(), clock), probe);
        if (!config.keepOnExit()) {
            Runtime.getRuntime().addShutdownHook(new Thread(this::stopAllOnExit, "qemu-provider-exit"));
        }
    }

    @Override
    public String name() {
        return QemuProviderFactory.NAME;
    }

    @Override
    public VmSpec baseSpec() {
        String image = config.image().map(Path::toString).orElse("");
        int diskGb = config.diskGb().orElseGet(() -> config.image()
                .filter(Files::isRegularFile)
                .map(p -> (int) Math.max(1, (BaseImage.inspect(p).virtualSizeBytes() + (1L << 30) - 1) >> 30))
                .orElse(1));
        return new VmSpec(image, config.memoryMb(), config.cpus(), diskGb, screen, Map.of());
    }

    @Override
    public Duration defaultReadyTimeout() {
        return QemuConfig.DEFAULT_READY_TIMEOUT;
    }

    @Override
    public String defaultSnapshot() {
        return snapshot.name();
    }

    @Override
    public boolean hardwareAccelerated() {
        return accelerator == Accelerator.KVM;
    }

    /** The state directory of a VM (overlay, logs, vm.json), for tests and operators. */
    Path vmDirectory(String vmId) {
        return state.vm(vmId).dir();
    }

    @Override
    public VmHandle launch(String vmId, VmSpec spec) {
        checkVmId(vmId);
        BaseImage base = BaseImage.inspect(spec.image().isEmpty()
                ? config.image().orElseGet(testGuest::path) : Path.of(spec.image()));
        var labels = new HashMap<>(spec.labels());
        labels.put(VmLabels.OWNER, ownerId);
        labels.put(VmLabels.VM_ID, vmId);
        QemuVm vm = new QemuVm(state.vm(vmId));
        if (vms.putIfAbsent(vmId, vm) != null || Files.exists(vm.dir.dir())) {
            vms.remove(vmId, vm);
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "A QEMU VM with id " + vmId + " already exists");
        }
        vm.lock.lock();
        try {
            vm.dir.create();
            VmRecord draft = new VmRecord(vmId, ownerId, labels, clock.instant().toString(), 0, base.path().toString(),
                    spec.memoryMb(), spec.cpus(), config.diskGb().isPresent() ? spec.diskGb() : 0,
                    accelerator.qemuName(), config.bindAddress().getHostAddress(), config.restrictNetwork(),
                    config.guestNetwork(), config.endpointHost(), 0, 0, 0, 0, "");
            starter.start(vm, base, draft, networks.of(draft));
            exitWatch.watch(vm);
            return handle(vm);
        } catch (IOException | RuntimeException e) {
            log.warn("Launch of VM {} failed, removing what it left: {}", vmId, e.getMessage());
            discard(vm);
            if (e instanceof DeskpoolException de) {
                throw de;
            }
            throw new DeskpoolException(ErrorCode.BOOT_FAILED, "Launch of QEMU VM " + vmId + " failed: " + e.getMessage(), e);
        } finally {
            vm.lock.unlock();
        }
    }

    @Override
    public VmHandle awaitReady(VmHandle handle, Duration timeout) {
        QemuVm vm = require(handle.id());
        vm.lock.lock();
        try {
            waitUntilReady(vm, timeout);
            saveSnapshot(vm);
            return handle(vm);
        } finally {
            vm.lock.unlock();
        }
    }

    /** Waits for the probes; on failure removes the VM (nothing may be left behind) and says what it saw. */
    private void waitUntilReady(QemuVm vm, Duration timeout) {
        try {
            bootWaiter.await(vm.id(), probe, vm.record().endpoints(), timeout, vm::whyStopped);
        } catch (DeskpoolException e) {
            String diagnostics = vm.logTails();
            discard(vm);
            throw new DeskpoolException(e.code(), e.getMessage() + diagnostics + " (the VM was removed)", e.details(), e);
        }
    }

    /** Saves the clean snapshot; a VM without one still works, its reverts just reboot it. */
    private void saveSnapshot(QemuVm vm) {
        long start = System.nanoTime();
        try (QmpClient qmp = qmp(vm)) {
            if (!snapshot.save(qmp)) {
                log.warn("VM {}: connections into the guest stayed open; the snapshot was saved with them", vm.id());
            }
            VmRecord record = vm.record().withSnapshot(snapshot.name());
            record.writeTo(vm.dir.recordFile());
            vm.record(record);
            log.info("VM {} ready; clean snapshot '{}' saved in {} ms", vm.id(), snapshot.name(),
                    (System.nanoTime() - start) / 1_000_000);
        } catch (IOException e) {
            log.warn("VM {}: could not save the clean snapshot ({}); its reverts will reboot it from a fresh overlay",
                    vm.id(), e.getMessage());
        }
    }

    @Override
    public RevertResult revert(VmHandle handle, String snapshotName) {
        if (!snapshot.name().equals(snapshotName)) {
            throw new DeskpoolException(ErrorCode.UNKNOWN_SNAPSHOT, "VM " + handle.id() + " has no snapshot '"
                    + snapshotName + "'; the QEMU provider keeps one, '" + snapshot.name()
                    + "', taken when the VM first became ready");
        }
        QemuVm vm = require(handle.id());
        vm.lock.lock();
        try {
            long start = System.nanoTime();
            if (vm.hasSnapshot() && vm.isRunning()) {
                try (QmpClient qmp = qmp(vm)) {
                    Duration timeout = config.readyTimeout().compareTo(RESTORED_READY_TIMEOUT) < 0
                            ? config.readyTimeout() : RESTORED_READY_TIMEOUT;
                    String steps = snapshot.restore(vm, networks.of(vm.record()), qmp, timeout, vm::whyStopped);
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    log.info("VM {} reverted to snapshot '{}' in {} ms ({})", vm.id(), snapshotName, took.toMillis(),
                            steps);
                    return new RevertResult(handle(vm), RevertPath.SNAPSHOT, took);
                } catch (IOException | DeskpoolException e) {
                    log.warn("VM {}: loading snapshot '{}' failed ({}); rebooting it from a fresh overlay",
                            vm.id(), snapshotName, e.getMessage());
                }
            } else {
                log.info("VM {} has no loadable snapshot ({}); rebooting it from a fresh overlay", vm.id(),
                        vm.isRunning() ? "none was saved" : "its QEMU is not running");
            }
            reboot(vm);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            log.info("VM {} rebooted from a fresh overlay in {} ms", vm.id(), took.toMillis());
            return new RevertResult(handle(vm), RevertPath.RECREATED, took);
        } finally {
            vm.lock.unlock();
        }
    }

    /** Stops QEMU, throws the overlay away and boots again from the base image; the snapshot is taken anew. */
    private void reboot(QemuVm vm) {
        VmRecord old = vm.record();
        try {
            stopProcesses(vm);
            vm.dir.clearRun();
            starter.start(vm, BaseImage.inspect(Path.of(old.image())), old, networks.of(old));
            exitWatch.watch(vm);
        } catch (IOException | DeskpoolException e) {
            discard(vm);
            throw new DeskpoolException(ErrorCode.REVERT_FAILED, "VM " + vm.id() + " could not be rebooted: "
                    + e.getMessage() + " (the VM was removed)", e);
        }
        try {
            waitUntilReady(vm, config.readyTimeout());
        } catch (DeskpoolException e) {
            throw new DeskpoolException(ErrorCode.REVERT_FAILED, e.getMessage(), e.details(), e);
        }
        saveSnapshot(vm);
    }

    @Override
    public void destroy(VmHandle handle) {
        String id = handle.id();
        QemuVm vm = vms.get(id);
        if (vm == null) {
            if (!isValidVmId(id) || !Files.isDirectory(state.vm(id).dir())) {
                return;
            }
            vm = new QemuVm(state.vm(id));
        }
        vm.lock.lock();
        try {
            stopProcesses(vm);
            vm.dir.delete();
            vms.remove(id, vm);
            log.info("VM {} destroyed", id);
        } catch (IOException e) {
            throw new DeskpoolException(ErrorCode.STOP_FAILED, "Could not remove the files of VM " + id + " in "
                    + vm.dir.dir() + ": " + e.getMessage(), e);
        } finally {
            vm.lock.unlock();
        }
    }

    /**
     * Stops the VM's QEMU whether this JVM started it or it is only known by its pid, then what runs beside it
     * for its network (QEMU's exit stops that too, but not before this returns).
     */
    private void stopProcesses(QemuVm vm) {
        QemuProcess p = vm.process();
        if (p == null) {
            p = StateDirectory.findProcess(vm.dir).orElse(null);
        }
        if (p != null) {
            p.stop(STOP_GRACE);
        }
        networks.detachQuietly(vm.dir, vm.record() != null ? vm.record() : StateDirectory.readRecord(vm.dir).orElse(null));
    }

    /** Removes a VM that failed part-way; never throws (the original failure is what matters). */
    private void discard(QemuVm vm) {
        try {
            stopProcesses(vm);
            vm.dir.delete();
        } catch (IOException | RuntimeException e) {
            log.warn("Could not fully remove VM {}: {}", vm.id(), e.toString());
        } finally {
            vms.remove(vm.id(), vm);
        }
    }

    /**
     * Every VM directory with our owner whose QEMU still runs; VMs from an earlier run are adopted. Directories
     * whose QEMU is gone are removed.
     */
    @Override
    public List<VmHandle> listOwned() {
        var owned = new ArrayList<VmHandle>();
        for (VmDirectory dir : state.list()) {
            QemuVm known = vms.get(dir.vmId());
            if (known != null) {
                if (known.record() != null) {
                    owned.add(handle(known));
                }
                continue;
            }
            Optional<VmRecord> record = StateDirectory.readRecord(dir);
            if (record.isPresent() && !ownerId.equals(record.get().owner())) {
                continue;
            }
            Optional<QemuProcess> process = record.flatMap(r -> QemuProcess.find(r.pid(), dir));
            if (record.isEmpty() || process.isEmpty() || !networks.reattach(dir, record.get(), process.get().pid())) {
                // The helper goes first: removing the leftovers deletes its pid file.
                networks.detachQuietly(dir, record.orElse(null));
                StateDirectory.removeLeftovers(dir, STOP_GRACE);
                continue;
            }
            QemuVm adopted = new QemuVm(dir, process.get(), record.get());
            if (vms.putIfAbsent(dir.vmId(), adopted) == null) {
                exitWatch.watch(adopted);
                log.info("Found VM {} from an earlier run (QEMU pid {}, snapshot '{}')", dir.vmId(),
                        process.get().pid(), record.get().snapshot());
                owned.add(handle(adopted));
            }
        }
        return owned;
    }

    @Override
    public List<VmHandle> listForeign() {
        var foreign = new ArrayList<VmHandle>();
        for (VmDirectory dir : state.list()) {
            StateDirectory.readRecord(dir)
                    .filter(r -> !ownerId.equals(r.owner()))
                    .filter(r -> QemuProcess.find(r.pid(), dir).isPresent())
                    .ifPresent(r -> foreign.add(handle(dir, r)));
        }
        return foreign;
    }

    @Override
    public ResourceStats stats(VmHandle handle) {
        QemuVm vm = vms.get(handle.id());
        if (vm == null || vm.process() == null || vm.record() == null) {
            return ResourceStats.UNKNOWN;
        }
        // As docker stats for a container without a memory limit: QEMU's resident memory (guest RAM it touched plus
        // QEMU's own, such as TCG's code cache, so it can exceed the guest's RAM) against the host's memory.
        long rss = ProcStatus.residentBytes(vm.process().pid());
        return new ResourceStats(vm.cpuPercent(), rss, ProcStatus.hostMemoryBytes(), -1, -1, -1, -1);
    }

    /** Reports a VM whose QEMU ends without this provider stopping it, at once for the QEMUs this JVM started. */
    @Override
    public boolean watchExits(Consumer<VmExit> listener) {
        exitWatch.start(listener);
        return true;
    }

    /** See {@link QemuHealthCheck}: process, QMP, then the in-VM server, without taking the VM's lock. */
    @Override
    public VmHealth checkHealth(VmHandle handle, Duration timeout) {
        return QemuHealthCheck.of(vms.get(handle.id()), handle.id(), timeout);
    }

    /** Does not stop VMs (the pool decides that); with QEMU_ON_EXIT=stop the JVM's exit still will. */
    @Override
    public void close() {
        exitWatch.close();
    }

    /**
     * The shutdown hook: SIGTERM every VM at once, SIGKILL what is left after a grace, stop their network helpers,
     * delete the files.
     */
    private void stopAllOnExit() {
        List<QemuVm> all = List.copyOf(vms.values());
        for (QemuVm vm : all) {
            QemuProcess p = vm.process();
            if (p != null) {
                p.signalStop();
            }
        }
        for (QemuVm vm : all) {
            QemuProcess p = vm.process();
            if (p != null && !p.awaitExit(Duration.ofSeconds(3))) {
                p.forceStop();
                p.awaitExit(Duration.ofSeconds(2));
            }
            networks.detachQuietly(vm.dir, vm.record());
            FileTree.deleteQuietly(vm.dir.dir());
        }
    }

    private QemuVm require(String vmId) {
        QemuVm vm = vms.get(vmId);
        if (vm == null || vm.record() == null) {
            throw new DeskpoolException(ErrorCode.UNKNOWN_VM, "The QEMU provider has no VM " + vmId);
        }
        return vm;
    }

    private static QmpClient qmp(QemuVm vm) throws QmpClient.QmpException {
        QemuProcess p = vm.process();
        return QmpClient.connect(vm.dir.qmpSocket(), QMP_TIMEOUT, () -> p != null && p.isRunning());
    }

    private VmHandle handle(QemuVm vm) {
        return handle(vm.dir, vm.record());
    }

    private VmHandle handle(VmDirectory dir, VmRecord r) {
        Instant created;
        try {
            created = Instant.parse(r.createdAt());
        } catch (RuntimeException e) {
            created = Instant.EPOCH;
        }
        return new VmHandle(r.vmId(), name(), dir.pidFile().toString(), Optional.of(r.endpoints()), r.labels(), created);
    }

    private static boolean isValidVmId(String vmId) {
        return vmId != null && vmId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    }

    private static void checkVmId(String vmId) {
        if (!isValidVmId(vmId)) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "A QEMU VM id must be 1-64 letters, digits, '.', '_' "
                    + "or '-' (it names a directory), got '" + vmId + "'");
        }
    }
}
