package io.deskpool.provider.qemu;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.qemu.FrozenOverlay;
import io.deskpool.core.qemu.MemoryHandoff;
import io.deskpool.core.qemu.MemoryTemplate;
import io.deskpool.core.qemu.ConcurrentSteps;
import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.qemu.SnapshotEngine;
import io.deskpool.core.qemu.StateFile;
import io.deskpool.core.spi.ForkRequest;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmLabels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

import static java.util.Objects.requireNonNull;

/**
 * Copies a running VM into new QEMU processes. The copies' QEMUs start first, each on an overlay over the
 * parent's top overlay (by a second name in the fork's directory) and waiting for a state ({@code -incoming
 * defer}, so they lock no image yet). Then the parent stops for as long as it takes to move onto a fresh overlay
 * (the old one is frozen from then on) and write its memory and device state to the fork's state file, and
 * continues. Each copy loads the file, gets its stale connections ended and its clock set, and must pass the
 * readiness probes. The copies share the frozen overlay read-only; their writes go to their own overlays.
 */
final class QemuForker {
    private static final Logger log = LoggerFactory.getLogger(QemuForker.class);
    /** The drive id QEMU gives the first {@code -drive if=virtio}, the VM's disk. */
    private static final String DISK_DEVICE = "virtio0";

    private final QemuProvider provider;
    private final Map<String, QemuVm> vms;
    private final StateDirectory state;
    private final QemuStarter starter;
    private final GuestNetworks networks;
    private final SnapshotEngine engine;
    private final ForkFiles files;
    private final GuestMemory memory;
    private final Path imgBinary;
    private final Path cp;
    private final String ownerId;
    private final Clock clock;

    QemuForker(QemuProvider provider, Map<String, QemuVm> vms, StateDirectory state, QemuStarter starter,
               GuestNetworks networks, SnapshotEngine engine, ForkFiles files, GuestMemory memory, Path imgBinary,
               Path cp, String ownerId, Clock clock) {
        this.provider = requireNonNull(provider, "provider is null");
        this.vms = requireNonNull(vms, "vms is null");
        this.state = requireNonNull(state, "state is null");
        this.starter = requireNonNull(starter, "starter is null");
        this.networks = requireNonNull(networks, "networks is null");
        this.engine = requireNonNull(engine, "engine is null");
        this.files = requireNonNull(files, "files is null");
        this.memory = requireNonNull(memory, "memory is null");
        this.cp = requireNonNull(cp, "cp is null");
        this.imgBinary = requireNonNull(imgBinary, "imgBinary is null");
        this.ownerId = requireNonNull(ownerId, "ownerId is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * Forks {@code parent} into the VMs {@code request} names, which must not exist yet. All or nothing: on failure
     * every child is removed and the parent runs on.
     */
    List<VmHandle> fork(QemuVm parent, ForkRequest request) {
        var children = new ArrayList<QemuVm>();
        try {
            for (String childId : request.childIds()) {
                QemuVm child = new QemuVm(state.vm(childId));
                if (vms.putIfAbsent(childId, child) != null || java.nio.file.Files.exists(child.dir.dir())) {
                    vms.remove(childId, child);
                    throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "A QEMU VM with id " + childId
                            + " already exists");
                }
                children.add(child);
            }
            parent.lock.lock();
            try {
                if (!parent.isRunning()) {
                    throw new DeskpoolException(ErrorCode.VM_LOST, "VM " + parent.id() + " cannot be forked: its "
                            + "QEMU is not running");
                }
                return fork(parent, children, request);
            } finally {
                parent.lock.unlock();
            }
        } catch (DeskpoolException e) {
            children.forEach(c -> vms.remove(c.id(), c));
            throw e;
        }
    }

    /** Forks {@code parent}, whose lock the caller holds, into {@code children}, registered and not started. */
    private List<VmHandle> fork(QemuVm parent, List<QemuVm> children, ForkRequest request) {
        long start = System.nanoTime();
        String forkId = "fork-" + UUID.randomUUID().toString().substring(0, 8);
        VmRecord parentRecord = parent.record();
        ForkFiles.Fork fork;
        try {
            fork = files.start(forkId, parent.id(), request.childIds(), clock.instant().toString());
        } catch (IOException e) {
            throw new DeskpoolException(ErrorCode.PROVIDER_ERROR, "VM " + parent.id() + ": cannot create the files of "
                    + "fork " + forkId + ": " + e.getMessage(), e);
        }
        try {
            FrozenOverlay freeze = new FrozenOverlay(DISK_DEVICE, parent.dir.topOverlay(parentRecord), fork.disk(),
                    parent.dir.dir().resolve("overlay-" + forkId + ".qcow2"),
                    BaseImage.inspect(parent.dir.topOverlay(parentRecord)).virtualSizeBytes(), imgBinary);
            freeze.link();
            // A parent with a memory file of its own hands it over as a file the copies map; they can only start
            // once it is copied. Otherwise they start first and the memory comes in the stream.
            Optional<Path> ramTemplate = parentRecord.memoryShared() ? Optional.of(memory.template(forkId))
                    : Optional.empty();
            MemoryHandoff memoryHandoff = ramTemplate.<MemoryHandoff>map(t -> new MemoryTemplate(
                    Path.of(parentRecord.memory()), t, cp)).orElse(MemoryHandoff.STREAMED);
            List<Callable<Void>> starts = children.stream().<Callable<Void>>map(child -> () -> {
                startChild(child, parentRecord, fork, freeze.virtualSizeBytes(), request, ramTemplate);
                return null;
            }).toList();
            if (ramTemplate.isEmpty()) {
                ConcurrentSteps.all("qemu-fork-" + forkId, starts);
            }
            long t1 = System.nanoTime();
            SnapshotEngine.Capture capture = captureParent(parent, freeze, memoryHandoff, fork);
            long t2 = System.nanoTime();
            if (ramTemplate.isPresent()) {
                ConcurrentSteps.all("qemu-fork-" + forkId, starts);
            }
            long t3 = System.nanoTime();
            StateFile state = StateFile.onHost(fork.state());
            List<String> steps = ConcurrentSteps.all("qemu-fork-" + forkId, children.stream()
                    .<Callable<String>>map(child -> () -> {
                        try (QmpClient qmp = provider.qmp(child)) {
                            return engine.resume(qmp, state, memoryHandoff, provider.guest(child),
                                    request.readyTimeout());
                        }
                    }).toList());
            log.info("VM {} forked into {} ({}, memory {}): the parent stood still {} ms ({} MB of state), copies "
                            + "started in {} ms, ready {} ms later ({}); {} ms in all", parent.id(),
                    request.childIds(), forkId, ramTemplate.isPresent() ? "as a file" : "in the stream",
                    capture.downtime().toMillis(), capture.stateBytes() >> 20,
                    ((t1 - start) + (t3 - t2)) / 1_000_000, (System.nanoTime() - t3) / 1_000_000, steps.get(0),
                    (System.nanoTime() - start) / 1_000_000);
            return children.stream().map(provider::handle).toList();
        } catch (IOException | ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ee && ee.getCause() != null ? ee.getCause() : e;
            for (QemuVm child : children) {
                provider.discard(child);
            }
            String why = "Fork of VM " + parent.id() + " into " + children.size() + " copies failed: "
                    + cause.getMessage() + " (no copy was kept; the parent runs on)";
            log.warn(why);
            if (cause instanceof DeskpoolException de) {
                throw new DeskpoolException(de.code(), why, de.details(), de);
            }
            throw new DeskpoolException(ErrorCode.PROVIDER_ERROR, why, cause);
        } finally {
            files.finish(fork);
            provider.collectSharedFiles();
        }
    }

    /**
     * Starts a child's QEMU on a fresh overlay over the frozen one, waiting for the state; its memory maps
     * {@code ramTemplate} copy-on-write, or is a file of its own (or anonymous) that the stream fills.
     */
    private void startChild(QemuVm child, VmRecord parentRecord, ForkFiles.Fork fork, long virtualSize,
                            ForkRequest request, Optional<Path> ramTemplate) throws IOException {
        child.dir.create();
        FrozenOverlay.createOverlay(imgBinary, fork.disk(), child.dir.overlay(), virtualSize);
        var labels = new HashMap<>(parentRecord.labels());
        labels.putAll(request.labels());
        labels.put(VmLabels.OWNER, ownerId);
        labels.put(VmLabels.VM_ID, child.id());
        labels.put(VmLabels.FORKED_FROM, parentRecord.vmId());
        VmRecord draft = new VmRecord(child.id(), ownerId, labels, clock.instant().toString(), 0, parentRecord.image(),
                parentRecord.memoryMb(), parentRecord.cpus(), parentRecord.diskGb(), parentRecord.accelerator(),
                parentRecord.bindAddress(), parentRecord.restrictNetwork(), parentRecord.network(), parentRecord.host(),
                0, 0, 0, 0, "", VmRecord.FIRST_DISK, "", false);
        VmRecord withMemory = ramTemplate.isPresent() ? draft.withMemory(ramTemplate.get().toString(), false)
                : memory.own(draft);
        starter.startIncoming(child, withMemory, networks.of(withMemory));
    }

    /**
     * Saves the parent's state. Its disk moves onto the new overlay even when saving fails afterwards, so its record
     * follows the overlay QEMU actually writes.
     */
    private SnapshotEngine.Capture captureParent(QemuVm parent, FrozenOverlay freeze, MemoryHandoff memoryHandoff,
                                                 ForkFiles.Fork fork) throws IOException {
        try (QmpClient qmp = provider.qmp(parent)) {
            SnapshotEngine.Capture capture;
            try {
                capture = engine.capture(qmp, freeze, memoryHandoff, StateFile.onHost(fork.state()),
                        provider.guest(parent));
            } catch (SnapshotEngine.CaptureException e) {
                if (e.diskHandedOff()) {
                    moveRecord(parent, freeze);
                }
                throw e;
            }
            moveRecord(parent, freeze);
            return capture;
        }
    }

    private static void moveRecord(QemuVm parent, FrozenOverlay freeze) throws IOException {
        VmRecord moved = parent.record().withDisk(freeze.newTop().getFileName().toString());
        moved.writeTo(parent.dir.recordFile());
        parent.record(moved);
    }
}
