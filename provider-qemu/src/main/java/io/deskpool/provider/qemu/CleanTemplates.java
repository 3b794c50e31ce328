package io.deskpool.provider.qemu;

import io.deskpool.core.qemu.DiskHandoff;
import io.deskpool.core.qemu.FrozenOverlay;
import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.qemu.SnapshotEngine;
import io.deskpool.core.qemu.StateFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * The pool's clean state as files: the frozen overlay of a freshly booted VM and its memory and device state. A VM
 * that cannot load its clean snapshot in place (a fork's copy, a forked parent, whose top overlay never held it;
 * a VM whose QEMU died) is restarted from it instead of booted: a new QEMU loads the state on a fresh overlay over
 * the frozen disk, then saves its own clean snapshot, so its next revert is in place again.
 *
 * <p>The first VM to become ready while there is no template makes it when its clean snapshot is taken: its CPUs
 * stop, its disk moves onto a new overlay (the old one frozen as the template's disk), the snapshot is saved into
 * the new overlay and the state into the template's file. The current template is kept while the provider runs
 * (pinned in {@link ForkFiles}); a restarted provider takes the newest one it finds.
 */
final class CleanTemplates {
    private static final Logger log = LoggerFactory.getLogger(CleanTemplates.class);
    private static final String DISK_DEVICE = "virtio0";
    private static final Duration QUIET_NETWORK = Duration.ofSeconds(10);

    private final ForkFiles files;
    private final SnapshotEngine engine;
    private final Path imgBinary;
    private final Clock clock;
    private final AtomicBoolean making = new AtomicBoolean();
    private volatile Template current;

    /** What a VM must have in common with the template to start from it. */
    record Key(String image, int memoryMb, int cpus, int diskGb, String accelerator, String machine, String cpu) {
        Key {
            requireNonNull(image, "image is null");
            requireNonNull(accelerator, "accelerator is null");
            requireNonNull(machine, "machine is null");
            requireNonNull(cpu, "cpu is null");
        }
    }

    record Template(ForkFiles.Fork files, Key key) {
        StateFile state() {
            return StateFile.onHost(files.state());
        }
    }

    CleanTemplates(ForkFiles files, SnapshotEngine engine, Path imgBinary, Clock clock) {
        this.files = requireNonNull(files, "files is null");
        this.engine = requireNonNull(engine, "engine is null");
        this.imgBinary = requireNonNull(imgBinary, "imgBinary is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.current = newestOnDisk().orElse(null);
        if (current != null) {
            files.pin(current.files().id());
            log.info("Clean template {} from an earlier run found", current.files().id());
        }
    }

    /** The current template, if a VM with {@code key} can start from it. */
    Optional<Template> matching(Key key) {
        Template t = current;
        return t != null && t.key().equals(key) ? Optional.of(t) : Optional.empty();
    }

    /**
     * Whether the VM about to save its clean snapshot should make the template (none matches it, and no other VM
     * is making one); when true the caller must call {@link #make} or {@link #abandon}.
     */
    boolean claim(Key key) {
        return matching(key).isEmpty() && making.compareAndSet(false, true);
    }

    void abandon() {
        making.set(false);
    }

    /**
     * Makes the template from {@code vm} (claimed before) and saves the VM's clean snapshot {@code snapshotName}
     * into its new top overlay. Returns the record with the VM's new overlay. On failure the record to keep is in
     * the exception ({@link Failure#record()}): the VM may have moved onto its new overlay already.
     */
    VmRecord make(QemuVm vm, QmpClient qmp, Key key, String snapshotName) throws Failure {
        VmRecord record = vm.record();
        String id = ForkFiles.TEMPLATE_PREFIX + UUID.randomUUID().toString().substring(0, 8);
        ForkFiles.Fork dir = null;
        try {
            dir = files.create(id, Map.of("template", id, "madeFrom", vm.id(), "createdAt", clock.instant().toString(),
                    "key", key));
            Path top = vm.dir.topOverlay(record);
            FrozenOverlay freeze = new FrozenOverlay(DISK_DEVICE, top, dir.disk(),
                    vm.dir.dir().resolve("overlay-" + id + ".qcow2"), BaseImage.inspect(top).virtualSizeBytes(),
                    imgBinary);
            DiskHandoff freezeThenSnapshot = new DiskHandoff() {
                @Override
                public void beforeSave(QmpClient q, Duration timeout) throws IOException {
                    freeze.beforeSave(q, timeout);
                    engine.saveStopped(q, snapshotName);
                }
            };
            SnapshotEngine.awaitQuietNetwork(qmp, QUIET_NETWORK);
            VmRecord moved = record.withDisk(freeze.newTop().getFileName().toString());
            SnapshotEngine.Capture capture;
            try {
                capture = engine.capture(qmp, freezeThenSnapshot, StateFile.onHost(dir.state()), vmGuest(vm, moved));
            } catch (SnapshotEngine.CaptureException e) {
                throw new Failure(e.getMessage(), e.diskHandedOff() ? moved : record, e);
            }
            VmRecord ready = moved.withSnapshot(snapshotName);
            Template made = new Template(dir, key);
            files.pin(id);
            Template old = current;
            current = made;
            if (old != null) {
                files.unpin(old.files().id());
            }
            log.info("Clean template {} made from VM {} ({} MB of state, the VM stood still {} ms)", id, vm.id(),
                    capture.stateBytes() >> 20, capture.downtime().toMillis());
            return ready;
        } catch (IOException | RuntimeException e) {
            if (e instanceof Failure f) {
                throw f;
            }
            throw new Failure(e.getMessage(), record, e);
        } finally {
            if (dir != null) {
                files.finish(dir);
            }
            making.set(false);
        }
    }

    /** Making the template failed; {@link #record()} is what the VM's vm.json must say now. */
    static final class Failure extends IOException {
        private final transient VmRecord record;

        Failure(String message, VmRecord record, Throwable cause) {
            super(message, cause);
            this.record = record;
        }

        VmRecord record() {
            return record;
        }
    }

    private SnapshotEngine.Guest vmGuest(QemuVm vm, VmRecord record) {
        // Nothing is reloaded into this VM: its connections stay, only its clock is set after it stood still.
        return new SnapshotEngine.Guest(vm.id(), record.endpoints(), io.deskpool.core.qemu.StaleConnections.NONE,
                vm::whyStopped);
    }

    /** The newest complete template an earlier run left, if any. */
    private Optional<Template> newestOnDisk() {
        return files.list().stream()
                .filter(f -> f.id().startsWith(ForkFiles.TEMPLATE_PREFIX))
                .filter(f -> Files.isRegularFile(f.disk()) && Files.isRegularFile(f.state()))
                .flatMap(f -> read(f).stream())
                .max(Comparator.comparing(t -> lastModified(t.files().state())));
    }

    private static Optional<Template> read(ForkFiles.Fork fork) {
        try {
            Object key = ForkFiles.description(fork).get("key");
            return Optional.of(new Template(fork, new com.fasterxml.jackson.databind.ObjectMapper()
                    .convertValue(key, Key.class)));
        } catch (IOException | RuntimeException e) {
            log.debug("Ignoring {}: {}", fork.dir(), e.toString());
            return Optional.empty();
        }
    }

    private static java.nio.file.attribute.FileTime lastModified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }
}
