package io.deskpool.provider.docker;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.qemu.ConcurrentSteps;
import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.qemu.SnapshotEngine;
import io.deskpool.core.qemu.StateFile;
import io.deskpool.core.qemu.StreamedDisk;
import io.deskpool.core.spi.ForkRequest;
import io.deskpool.core.spi.ForkSupport;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmLabels;
import io.deskpool.core.spi.VmSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

import static java.util.Objects.requireNonNull;

/**
 * Copies a running VM container into new containers of the same image, without changing the image's contract:
 * each copy is a new container whose QEMU gets {@code -incoming defer} through {@code ARGUMENTS} (after the
 * provider's QMP socket and {@code -snapshot}), so it boots nothing and waits. The parent's QEMU writes its state
 * into its bind-mounted QMP folder, the disk writes inside the stream (block migration, incremental: the copies'
 * fresh overlays sit on the same read-only {@code /System.qcow2}), and continues; the file is linked into each
 * copy's folder and loaded there. Each copy's connections are reset from the host, its clock set, its probes
 * awaited. The copies hold no clean snapshot of their own: their reverts recreate their containers.
 *
 * <p>That needs block migration, which QEMU removed in 9.1: before anything starts, the parent's QEMU is asked
 * whether it has it ({@link BlockMigrationSupport}); without it the fork is refused as unsupported, with the reason,
 * and the answer is remembered per image for {@link #support}.
 */
final class DockerForker {
    static final ForkSupport SUPPORT = ForkSupport.supported("the container's QEMU writes its state (memory, devices, "
            + "disk writes) to a file in its QMP folder, and each copy's container starts its QEMU waiting for it");
    private static final Logger log = LoggerFactory.getLogger(DockerForker.class);
    private static final Duration LEARN_TIMEOUT = Duration.ofSeconds(10);

    private final DockerProvider provider;
    private final ContainerSnapshots snapshots;
    private final Duration qmpTimeout;
    /** What the QEMU of each image's containers said about block migration, once one was asked. */
    private final Map<String, BlockMigrationSupport> blockMigrationByImage = new ConcurrentHashMap<>();

    DockerForker(DockerProvider provider, ContainerSnapshots snapshots, Duration qmpTimeout) {
        this.provider = requireNonNull(provider, "provider is null");
        this.snapshots = requireNonNull(snapshots, "snapshots is null");
        this.qmpTimeout = requireNonNull(qmpTimeout, "qmpTimeout is null");
    }

    /** Whether containers of {@code image} can be forked, as far as their QEMU has told (never blocks). */
    ForkSupport support(String image) {
        BlockMigrationSupport known = blockMigrationByImage.get(image);
        return known == null || known.available() ? SUPPORT : ForkSupport.unsupported(known.reason());
    }

    /**
     * Asks a ready VM's QEMU about block migration, so {@link #support} knows before a fork; best effort, and brief
     * (a QEMU that does not answer at once is asked again at the fork).
     */
    void learn(VmHandle vm, String image, Path socket) {
        try {
            remember(image, ask(vm, socket, LEARN_TIMEOUT));
        } catch (IOException | RuntimeException e) {
            log.debug("VM {}: could not ask its QEMU about block migration: {}", vm.id(), e.getMessage());
        }
    }

    /**
     * Fails with {@code UNSUPPORTED_BY_PROVIDER} and the reason when the parent's QEMU cannot put its disk writes
     * into the state stream (or has no QMP socket); asks it over QMP.
     */
    void requireForkable(VmHandle parent, String image) {
        BlockMigrationSupport answer;
        try {
            answer = ask(parent, socketOf(parent), qmpTimeout);
        } catch (IOException e) {
            throw new DeskpoolException(ErrorCode.PROVIDER_ERROR, "Fork of VM " + parent.id() + ": could not ask its "
                    + "QEMU whether it can migrate its disk: " + e.getMessage(), e);
        }
        remember(image, answer);
        if (!answer.available()) {
            throw new DeskpoolException(ErrorCode.UNSUPPORTED_BY_PROVIDER, "VM " + parent.id() + " cannot be forked: "
                    + answer.reason());
        }
    }

    /** What the QEMU behind {@code socket} says about block migration; the wait ends early if the VM dies. */
    private BlockMigrationSupport ask(VmHandle vm, Path socket, Duration timeout) throws IOException {
        try (QmpClient qmp = QmpClient.connect(socket, timeout, () -> provider.deathOf(vm.backendId()).isEmpty())) {
            return BlockMigrationSupport.ask(qmp, timeout);
        }
    }

    private void remember(String image, BlockMigrationSupport answer) {
        if (blockMigrationByImage.put(image, answer) == null && !answer.available()) {
            log.warn("Containers of image {} cannot be forked: {}", image, answer.reason());
        }
    }

    private static Path socketOf(VmHandle parent) {
        return QmpFolders.socketOf(parent).orElseThrow(() -> new DeskpoolException(
                ErrorCode.UNSUPPORTED_BY_PROVIDER, "VM " + parent.id() + " was started without a QMP socket (fast "
                + "revert off when it was launched), so its state cannot be saved"));
    }

    List<VmHandle> fork(VmHandle parent, VmSpec parentSpec, ForkRequest request) {
        long start = System.nanoTime();
        Path parentSocket = socketOf(parent);
        Path parentDir = parentSocket.getParent();
        String file = "fork-" + UUID.randomUUID().toString().substring(0, 8) + ".state";
        var labels = new HashMap<>(DockerProvider.labelsOfCopy(parent));
        labels.putAll(request.labels());
        labels.put(VmLabels.FORKED_FROM, parent.id());
        VmSpec spec = parentSpec.withLabels(labels);
        var children = new ArrayList<VmHandle>();
        var stateFiles = new ArrayList<Path>(List.of(parentDir.resolve(file)));
        try {
            List<VmHandle> started = ConcurrentSteps.all("docker-fork-" + parent.id(), request.childIds().stream().<Callable<VmHandle>>map(id -> () -> {
                VmHandle child = provider.launch(id, spec, List.of("-incoming", "defer"));
                synchronized (children) {
                    children.add(child);
                }
                return child;
            }).toList());
            SnapshotEngine engine = snapshots.engine();
            SnapshotEngine.Capture capture;
            try (QmpClient qmp = QmpClient.connect(parentSocket, qmpTimeout, () -> true)) {
                capture = engine.capture(qmp, new StreamedDisk(), new StateFile(parentDir.resolve(file),
                        VmContainers.QMP_MOUNT + "/" + file), provider.guest(parent));
            }
            List<VmHandle> ready = ConcurrentSteps.all("docker-fork-" + parent.id(), started.stream().<Callable<VmHandle>>map(child -> () -> {
                VmHandle withPorts = child.withEndpoints(provider.currentEndpoints(child));
                Path childDir = QmpFolders.of(child).orElseThrow();
                Path link = childDir.resolve(file);
                synchronized (stateFiles) {
                    stateFiles.add(link);
                }
                Files.createLink(link, parentDir.resolve(file));
                Path socket = childDir.resolve(VmContainers.QMP_SOCKET);
                try (QmpClient qmp = QmpClient.connect(socket, qmpTimeout,
                        () -> provider.deathOf(child.backendId()).isEmpty())) {
                    engine.resume(qmp, new StateFile(link, VmContainers.QMP_MOUNT + "/" + file),
                            provider.guest(withPorts), request.readyTimeout());
                }
                return withPorts;
            }).toList());
            log.info("VM {} forked into {} containers {} in {} ms (the parent stood still {} ms writing {} MB)",
                    parent.id(), ready.size(), request.childIds(), (System.nanoTime() - start) / 1_000_000,
                    capture.downtime().toMillis(), capture.stateBytes() >> 20);
            return ready;
        } catch (IOException | ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ee && ee.getCause() != null ? ee.getCause() : e;
            synchronized (children) {
                for (VmHandle child : children) {
                    try {
                        provider.destroy(child);
                    } catch (RuntimeException destroyFailed) {
                        log.warn("Could not remove copy {} of a failed fork: {}", child.id(), destroyFailed.getMessage());
                    }
                }
            }
            String why = "Fork of VM " + parent.id() + " into " + request.count() + " containers failed: "
                    + cause.getMessage() + " (no copy was kept; the parent runs on)";
            log.warn(why);
            if (cause instanceof DeskpoolException de) {
                throw new DeskpoolException(de.code(), why, de.details(), de);
            }
            throw new DeskpoolException(ErrorCode.PROVIDER_ERROR, why, cause);
        } finally {
            synchronized (stateFiles) {
                for (Path p : stateFiles) {
                    deleteQuietly(p);
                }
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", p, e.toString());
        }
    }
}
