package io.deskpool.provider.qemu;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code STATE_DIR/qemu}: one {@link VmDirectory} per VM. What is on disk outlives the server, so a restarted
 * server finds its VMs here, with their QEMU processes by pid (checked against the command line, pids get
 * reused), and clears what VMs whose QEMU is gone left behind.
 */
final class StateDirectory {
    private static final Logger log = LoggerFactory.getLogger(StateDirectory.class);

    private final Path root;

    StateDirectory(Path stateDir) {
        this.root = stateDir.resolve("qemu").toAbsolutePath().normalize();
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new DeskpoolException(ErrorCode.PROVIDER_UNAVAILABLE, "Cannot create the QEMU state directory " + root
                    + ": " + e.getMessage(), e);
        }
    }

    VmDirectory vm(String vmId) {
        return new VmDirectory(root.resolve(vmId));
    }

    List<VmDirectory> list() {
        try (Stream<Path> entries = Files.list(root)) {
            return entries.filter(Files::isDirectory).map(VmDirectory::new).toList();
        } catch (IOException e) {
            throw new DeskpoolException(ErrorCode.PROVIDER_ERROR, "Cannot list " + root + ": " + e.getMessage(), e);
        }
    }

    static Optional<VmRecord> readRecord(VmDirectory dir) {
        if (!Files.isRegularFile(dir.recordFile())) {
            return Optional.empty();
        }
        try {
            return Optional.of(VmRecord.readFrom(dir.recordFile()));
        } catch (IOException e) {
            log.warn("Ignoring unreadable {}: {}", dir.recordFile(), e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The VM's running QEMU: by the pid file QEMU itself writes, else by the pid in vm.json. A server killed while it
     * rebooted a VM leaves vm.json naming the old QEMU and the pid file naming the new one.
     */
    static Optional<QemuProcess> findProcess(VmDirectory dir) {
        return processes(dir).stream().findFirst();
    }

    /** Every QEMU that runs the directory's overlay by either pid, the pid file's first. */
    static List<QemuProcess> processes(VmDirectory dir) {
        var found = new ArrayList<QemuProcess>();
        for (long pid : new long[] {pidFromFile(dir), pidFromRecord(dir)}) {
            QemuProcess.find(pid, dir).filter(p -> found.stream().noneMatch(q -> q.pid() == p.pid())).ifPresent(found::add);
        }
        return found;
    }

    private static long pidFromFile(VmDirectory dir) {
        try {
            return Files.isRegularFile(dir.pidFile()) ? Long.parseLong(Files.readString(dir.pidFile()).strip()) : 0;
        } catch (IOException | NumberFormatException e) {
            log.debug("No usable pid file for {}: {}", dir.dir(), e.toString());
            return 0;
        }
    }

    private static long pidFromRecord(VmDirectory dir) {
        try {
            return Files.isRegularFile(dir.recordFile()) ? VmRecord.readFrom(dir.recordFile()).pid() : 0;
        } catch (IOException e) {
            log.debug("No usable vm.json for {}: {}", dir.dir(), e.toString());
            return 0;
        }
    }

    /** Stops whatever QEMU still runs the directory's overlay and deletes the directory. */
    static void removeLeftovers(VmDirectory dir, Duration stopGrace) {
        log.info("Removing the leftovers of VM {} (its QEMU is no longer running as recorded)", dir.vmId());
        processes(dir).forEach(p -> p.stop(stopGrace));
        try {
            dir.delete();
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", dir.dir(), e.toString());
        }
    }
}
