package io.deskpool.provider.qemu;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.guest.GuestClock;
import io.deskpool.core.probe.Probes;
import io.deskpool.core.probe.ReadinessProbe;
import io.deskpool.core.probe.ReadinessWaiter;
import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.qemu.SnapshotEngine;
import io.deskpool.core.spi.ForkRequest;
import io.deskpool.core.spi.ForkSupport;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.ResourceStats;
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
 * its state is saved as a snapshot in its overlay (core {@link SnapshotEngine}); a revert loads it in a fraction
 * of a second without a reboot. A VM without a loadable snapshot is rebooted from a fresh overlay instead. A VM
 * can be forked into copies ({@link QemuForker}). Everything a VM has lives in its {@link VmDirectory}, which lets
 * a restarted server find its VMs again; what forks share lives in {@link ForkFiles}.
 */
public final class QemuProvider implements Provider {
    private static final Logger log = LoggerFactory.getLogger(QemuProvider.class);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /** savevm/loadvm and state files of a multi-gigabyte guest take many seconds under software emulation. */
    private static final Duration STATE_TIMEOUT = Duration.ofMinutes(5);

    private final QemuConfig config;
    private final Accelerator accelerator;
    private final String ownerId;
    private final Clock clock;
    private final StateDirectory state;
    private final ScreenSize screen;
    private final TestGuestImage testGuest;
    private final QemuStarter starter;
    private final String snapshotName;
    private final SnapshotEngine engine;
    private final ReadinessProbe probe;
    private final ReadinessWaiter bootWaiter = ReadinessWaiter.standard();
    private final Map<String, QemuVm> vms = new ConcurrentHashMap<>();
    private final QemuExitWatch exitWatch = new QemuExitWatch(vm -> vms.get(vm.id()) == vm);
    private final GuestNetworks networks;
    private final ForkFiles forkFiles;
    private final GuestMemory memory;
    private final QemuForker forker;
    private final CleanReverts reverts;
    private final VmAdoption adoption;

    QemuProvider(QemuConfig config, Path binary, Path imgBinary, Accelerator accelerator, String ownerId, Clock clock,
                 Path stateDir, ScreenSize screen, TestGuestImage testGuest,
                 Optional<IsolatedGuestNetwork.Tools> isolationTools, Path cp) {
        this.config = requireNonNull(config, "config is null");
        this.accelerator = requireNonNull(accelerator, "accelerator is null");
        this.ownerId = requireNonNull(ownerId, "ownerId is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.state = new StateDirectory(stateDir);
        this.screen = requireNonNull(screen, "screen is null");
        this.testGuest = requireNonNull(testGuest, "testGuest is null");
        this.starter = new QemuStarter(config, binary, imgBinary, accelerator, exitWatch::watch);
        this.networks = new GuestNetworks(config, isolationTools);
        this.probe = config.readyProbe() == QemuConfig.ReadyProbeKind.DESKTOP ? Probes.desktop() : Probes.screenshot();
        this.snapshotName = config.snapshotName();
        this.engine = new SnapshotEngine(new GuestClock(config.clockSyncCommand(), clock), probe, STATE_TIMEOUT);
        this.forkFiles = new ForkFiles(stateDir);
        this.memory = new GuestMemory(config.memoryDir(), stateDir);
        this.forker = new QemuForker(this, vms, state, starter, networks, engine, forkFiles, memory, imgBinary, cp,
                ownerId, clock);
        this.adoption = new VmAdoption(vms, state, networks, ownerId, this::handle, exitWatch::watch);
        Optional<CleanTemplates> templates = config.cleanTemplate()
                ? Optional.of(new CleanTemplates(forkFiles, engine, imgBinary, clock)) : Optional.empty();
        this.reverts = new CleanReverts(this, config, accelerator, engine, templates, starter, networks, memory,
                imgBinary);
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
        return snapshotName;
    }

    @Override
    public boolean hardwareAccelerated() {
        return accelerator == Accelerator.KVM;
    }

    /** Where guest memory files go, when they are files (for tests and operators). */
    Optional<Path> memoryDirectory() {
        return memory.directory();
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
                    config.guestNetwork(), config.endpointHost(), 0, 0, 0, 0, "", VmRecord.FIRST_DISK, "", false);
            starter.start(vm, base, memory.own(draft), networks.of(draft));
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
            reverts.saveClean(vm);
            return handle(vm);
        } finally {
            vm.lock.unlock();
        }
    }

    /** Waits for the probes; on failure removes the VM (nothing may be left behind) and says what it saw. */
    void waitUntilReady(QemuVm vm, Duration timeout) {
        try {
            bootWaiter.await(vm.id(), probe, vm.record().endpoints(), timeout, vm::whyStopped);
        } catch (DeskpoolException e) {
            String diagnostics = vm.logTails();
            discard(vm);
            throw new DeskpoolException(e.code(), e.getMessage() + diagnostics + " (the VM was removed)", e.details(), e);
        }
    }

    @Override
    public RevertResult revert(VmHandle handle, String snapshotName) {
        if (!this.snapshotName.equals(snapshotName)) {
            throw new DeskpoolException(ErrorCode.UNKNOWN_SNAPSHOT, "VM " + handle.id() + " has no snapshot '"
                    + snapshotName + "'; the QEMU provider keeps one, '" + this.snapshotName
                    + "', taken when the VM first became ready");
        }
        QemuVm vm = require(handle.id());
        vm.lock.lock();
        try {
            return reverts.revert(vm);
        } finally {
            vm.lock.unlock();
        }
    }

    @Override
    public ForkSupport forkSupport() {
        return ForkSupport.supported("the VM's memory and device state is written to a file and each copy's QEMU "
                + "loads it, on an overlay over the parent's frozen disk");
    }

    @Override
    public List<VmHandle> fork(ForkRequest request) {
        QemuVm parent = require(request.parent().id());
        request.childIds().forEach(QemuProvider::checkVmId);
        return forker.fork(parent, request);
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
            collectSharedFiles();
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
    void stopProcesses(QemuVm vm) {
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
    void discard(QemuVm vm) {
        try {
            stopProcesses(vm);
            vm.dir.delete();
        } catch (IOException | RuntimeException e) {
            log.warn("Could not fully remove VM {}: {}", vm.id(), e.toString());
        } finally {
            vms.remove(vm.id(), vm);
            collectSharedFiles();
        }
    }

    /**
     * Every VM directory with our owner whose QEMU still runs; VMs from an earlier run are adopted. Directories
     * whose QEMU is gone are removed.
     */
    @Override
    public List<VmHandle> listOwned() {
        List<VmHandle> owned = adoption.owned();
        collectSharedFiles();
        memory.removeAbandoned();
        return owned;
    }

    @Override
    public List<VmHandle> listForeign() {
        return adoption.foreign();
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
        forkFiles.deleteAll();
        memory.deleteAll();
    }

    private QemuVm require(String vmId) {
        QemuVm vm = vms.get(vmId);
        if (vm == null || vm.record() == null) {
            throw new DeskpoolException(ErrorCode.UNKNOWN_VM, "The QEMU provider has no VM " + vmId);
        }
        return vm;
    }

    QmpClient qmp(QemuVm vm) throws QmpClient.QmpException {
        QemuProcess p = vm.process();
        return QmpClient.connect(vm.dir.qmpSocket(), QMP_TIMEOUT, () -> p != null && p.isRunning());
    }

    /** The VM as the snapshot engine settles it after its state was replaced. */
    SnapshotEngine.Guest guest(QemuVm vm) {
        VmRecord record = vm.record();
        return new SnapshotEngine.Guest(vm.id(), record.endpoints(),
                networks.of(record).staleConnections(record.ports()), vm::whyStopped);
    }

    /**
     * Deletes what VMs shared and no VM uses any more: forks' frozen overlays no disk reads through, memory files of
     * VMs that are gone and forks' memory templates no VM maps.
     */
    void collectSharedFiles() {
        var tops = new ArrayList<Path>();
        var records = new ArrayList<VmRecord>();
        var ids = new java.util.HashSet<String>();
        for (VmDirectory dir : state.list()) {
            QemuVm known = vms.get(dir.vmId());
            VmRecord record = known != null && known.record() != null ? known.record()
                    : StateDirectory.readRecord(dir).orElse(null);
            tops.add(record != null ? dir.topOverlay(record) : dir.overlay());
            ids.add(dir.vmId());
            if (record != null) {
                records.add(record);
            }
        }
        forkFiles.collect(tops);
        memory.collect(ids, records, forkFiles::inProgress);
    }

    VmHandle handle(QemuVm vm) {
        return handle(vm.dir, vm.record());
    }

    VmHandle handle(VmDirectory dir, VmRecord r) {
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
