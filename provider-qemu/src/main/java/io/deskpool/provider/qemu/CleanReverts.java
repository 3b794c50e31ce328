package io.deskpool.provider.qemu;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.qemu.FrozenOverlay;
import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.qemu.SnapshotEngine;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.RevertResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How a VM gets back to its clean state, fastest first: its clean snapshot loaded in place (a fraction of a
 * second); a new QEMU started from the clean template when the VM's top overlay does not hold the snapshot (a
 * fork's copies and a forked parent) or its QEMU died (a second or so); a reboot from a fresh overlay (seconds to
 * minutes). Also takes the clean snapshot when a VM is first ready, and the template with it when there is none.
 */
final class CleanReverts {
    private static final Logger log = LoggerFactory.getLogger(CleanReverts.class);
    /** A restored guest answers within a second; one that does not is started afresh rather than waited for. */
    private static final Duration RESTORED_READY_TIMEOUT = Duration.ofSeconds(30);

    private final QemuProvider provider;
    private final QemuConfig config;
    private final Accelerator accelerator;
    private final SnapshotEngine engine;
    private final Optional<CleanTemplates> templates;
    private final QemuStarter starter;
    private final GuestNetworks networks;
    private final GuestMemory memory;
    private final Path imgBinary;

    CleanReverts(QemuProvider provider, QemuConfig config, Accelerator accelerator, SnapshotEngine engine,
                 Optional<CleanTemplates> templates, QemuStarter starter, GuestNetworks networks, GuestMemory memory,
                 Path imgBinary) {
        this.provider = requireNonNull(provider, "provider is null");
        this.config = requireNonNull(config, "config is null");
        this.accelerator = requireNonNull(accelerator, "accelerator is null");
        this.engine = requireNonNull(engine, "engine is null");
        this.templates = requireNonNull(templates, "templates is null");
        this.starter = requireNonNull(starter, "starter is null");
        this.networks = requireNonNull(networks, "networks is null");
        this.memory = requireNonNull(memory, "memory is null");
        this.imgBinary = requireNonNull(imgBinary, "imgBinary is null");
    }

    /**
     * Saves the clean snapshot of a VM that just became ready (and the clean template, when there is none); a VM
     * without a snapshot still works, its reverts just take a slower path.
     */
    void saveClean(QemuVm vm) {
        long start = System.nanoTime();
        String name = config.snapshotName();
        try (QmpClient qmp = provider.qmp(vm)) {
            CleanTemplates.Key key = key(vm.record());
            if (templates.isPresent() && templates.get().claim(key)) {
                try {
                    keep(vm, templates.get().make(vm, qmp, key, name));
                    log.info("VM {} ready; clean snapshot '{}' and the clean template saved in {} ms", vm.id(), name,
                            millisSince(start));
                    return;
                } catch (CleanTemplates.Failure e) {
                    keep(vm, e.record());
                    log.warn("VM {}: could not make the clean template ({}); saving its snapshot only", vm.id(),
                            e.getMessage());
                }
            }
            if (!engine.save(qmp, name)) {
                log.warn("VM {}: connections into the guest stayed open; the snapshot was saved with them", vm.id());
            }
            keep(vm, vm.record().withSnapshot(name));
            log.info("VM {} ready; clean snapshot '{}' saved in {} ms", vm.id(), name, millisSince(start));
        } catch (IOException e) {
            log.warn("VM {}: could not save the clean snapshot ({}); its reverts will take a slower path", vm.id(),
                    e.getMessage());
        }
    }

    /** Brings the VM back to its clean state by the fastest path that works. The caller holds the VM's lock. */
    RevertResult revert(QemuVm vm) {
        long start = System.nanoTime();
        if (vm.hasSnapshot() && vm.isRunning()) {
            try (QmpClient qmp = provider.qmp(vm)) {
                String steps = engine.restore(qmp, config.snapshotName(), provider.guest(vm), restoredTimeout());
                log.info("VM {} reverted to snapshot '{}' in {} ms ({})", vm.id(), config.snapshotName(),
                        millisSince(start), steps);
                return result(vm, RevertPath.SNAPSHOT, start);
            } catch (IOException | DeskpoolException e) {
                log.warn("VM {}: loading snapshot '{}' failed ({})", vm.id(), config.snapshotName(), e.getMessage());
            }
        } else {
            log.info("VM {} has no loadable snapshot: {}", vm.id(), !vm.isRunning() ? "its QEMU is not running"
                    : vm.record().disk().equals(VmRecord.FIRST_DISK) ? "none was saved"
                    : "it was forked, and its disk moved off the overlay that holds it");
        }
        Optional<CleanTemplates.Template> template = templates.flatMap(t -> t.matching(key(vm.record())));
        if (template.isPresent()) {
            try {
                String steps = restoreTemplate(vm, template.get());
                log.info("VM {} restarted from the clean template {} in {} ms ({})", vm.id(),
                        template.get().files().id(), millisSince(start), steps);
                return result(vm, RevertPath.RESTORED, start);
            } catch (IOException | DeskpoolException e) {
                log.warn("VM {}: starting it from the clean template failed ({})", vm.id(), e.getMessage());
            }
        }
        log.info("VM {}: rebooting it from a fresh overlay", vm.id());
        reboot(vm);
        log.info("VM {} rebooted from a fresh overlay in {} ms", vm.id(), millisSince(start));
        return result(vm, RevertPath.RECREATED, start);
    }

    /** A new QEMU on a fresh overlay over the template's disk loads its state, then saves its own snapshot. */
    private String restoreTemplate(QemuVm vm, CleanTemplates.Template template) throws IOException {
        VmRecord old = vm.record();
        provider.stopProcesses(vm);
        vm.dir.clearRun();
        provider.collectSharedFiles();
        FrozenOverlay.createOverlay(imgBinary, template.files().disk(), vm.dir.overlay(),
                BaseImage.inspect(template.files().disk()).virtualSizeBytes());
        starter.startIncoming(vm, memory.own(old), networks.of(old));
        try (QmpClient qmp = provider.qmp(vm)) {
            String steps = engine.resume(qmp, template.state(), provider.guest(vm), restoredTimeout());
            engine.save(qmp, config.snapshotName());
            keep(vm, vm.record().withSnapshot(config.snapshotName()));
            return steps;
        } catch (IOException | DeskpoolException e) {
            provider.stopProcesses(vm);
            throw e;
        }
    }

    /** Stops QEMU, throws the overlays away and boots again from the base image; the snapshot is taken anew. */
    private void reboot(QemuVm vm) {
        VmRecord old = vm.record();
        try {
            provider.stopProcesses(vm);
            vm.dir.clearRun();
            provider.collectSharedFiles();
            starter.start(vm, BaseImage.inspect(Path.of(old.image())), memory.own(old), networks.of(old));
        } catch (IOException | DeskpoolException e) {
            provider.discard(vm);
            throw new DeskpoolException(ErrorCode.REVERT_FAILED, "VM " + vm.id() + " could not be rebooted: "
                    + e.getMessage() + " (the VM was removed)", e);
        }
        try {
            provider.waitUntilReady(vm, config.readyTimeout());
        } catch (DeskpoolException e) {
            throw new DeskpoolException(ErrorCode.REVERT_FAILED, e.getMessage(), e.details(), e);
        }
        saveClean(vm);
    }

    /** What a VM must share with the clean template to start from it. */
    CleanTemplates.Key key(VmRecord record) {
        return new CleanTemplates.Key(record.image(), record.memoryMb(), record.cpus(), record.diskGb(),
                record.accelerator(), config.machine(), config.cpuModel().orElse(accelerator.defaultCpu()));
    }

    private static void keep(QemuVm vm, VmRecord record) throws IOException {
        record.writeTo(vm.dir.recordFile());
        vm.record(record);
    }

    private RevertResult result(QemuVm vm, RevertPath path, long startNanos) {
        return new RevertResult(provider.handle(vm), path, Duration.ofNanos(System.nanoTime() - startNanos));
    }

    private Duration restoredTimeout() {
        return config.readyTimeout().compareTo(RESTORED_READY_TIMEOUT) < 0 ? config.readyTimeout()
                : RESTORED_READY_TIMEOUT;
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
