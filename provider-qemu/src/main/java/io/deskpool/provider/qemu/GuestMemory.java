package io.deskpool.provider.qemu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * Where guests' RAM lives when QEMU_MEMORY_DIR names a directory (a tmpfs such as /dev/shm): each VM maps a file of
 * its own there, shared ({@code <vm id>.ram}), so that a fork copies it at memory-copy speed instead of streaming
 * every page through QEMU, and the copies map that frozen copy ({@code <fork id>.ram}) copy-on-write. The files
 * sit in a directory of this state directory's own (mode 0700: guest memory is nobody else's business). Without
 * QEMU_MEMORY_DIR guests get anonymous memory and forks stream it.
 *
 * <p>Each such directory names its state directory in a file {@code state-dir}: a tmpfs file holds host RAM until it
 * is deleted, so a start removes the directories of state directories that no longer exist (deleted with their VMs
 * killed, which no server lived to clean up).
 */
final class GuestMemory {
    private static final Logger log = LoggerFactory.getLogger(GuestMemory.class);
    private static final String SUFFIX = ".ram";
    private static final String PREFIX = "deskpool-";
    private static final String STATE_DIR_FILE = "state-dir";

    private final Optional<Path> root;
    private final Path stateDir;

    GuestMemory(Optional<Path> memoryDir, Path stateDir) {
        this.stateDir = stateDir.toAbsolutePath().normalize();
        this.root = requireNonNull(memoryDir, "memoryDir is null")
                .map(d -> d.toAbsolutePath().normalize().resolve(PREFIX + hash(this.stateDir)));
    }

    boolean inFiles() {
        return root.isPresent();
    }

    /** The directory of this state directory's memory files, when guest memory is in files. */
    Optional<Path> directory() {
        return root;
    }

    /** {@code record} with its guest RAM in a file of its own (or anonymous when memory files are off). */
    VmRecord own(VmRecord record) throws IOException {
        if (root.isEmpty()) {
            return record.withMemory("", false);
        }
        ensureRoot();
        return record.withMemory(root.get().resolve(record.vmId() + SUFFIX).toString(), true);
    }

    /** Where a fork's frozen memory goes. */
    Path template(String forkId) throws IOException {
        ensureRoot();
        return root.orElseThrow().resolve(forkId + SUFFIX);
    }

    /** Deletes the VM's own memory file, if it has one (the VM's QEMU is gone). */
    void release(VmRecord record) {
        if (record != null && record.memoryShared() && !record.memory().isEmpty()) {
            try {
                Files.deleteIfExists(Path.of(record.memory()));
            } catch (IOException e) {
                log.warn("Could not delete the memory file {}: {}", record.memory(), e.toString());
            }
        }
    }

    /**
     * Deletes the own files of VMs that are gone ({@code vmIds} are the VMs that exist) and the fork templates no
     * VM maps any more ({@code live} are those VMs' records), except those of forks in progress.
     */
    void collect(Set<String> vmIds, Collection<VmRecord> live, Predicate<String> forkInProgress) {
        if (root.isEmpty() || !Files.isDirectory(root.get())) {
            return;
        }
        Set<String> mapped = live.stream().map(VmRecord::memory).filter(m -> !m.isEmpty()).collect(Collectors.toSet());
        try (Stream<Path> files = Files.list(root.get())) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (!name.endsWith(SUFFIX)) {
                    continue;
                }
                String owner = name.substring(0, name.length() - SUFFIX.length());
                boolean keep = mapped.contains(file.toString()) || vmIds.contains(owner) || forkInProgress.test(owner);
                if (!keep) {
                    log.info("Deleting the memory file {}: no VM uses it any more", file);
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            log.warn("Could not clean up {}: {}", root.get(), e.toString());
        }
    }

    /** Removes every memory file (the server exits and takes its VMs with it). */
    void deleteAll() {
        root.ifPresent(FileTree::deleteQuietly);
    }

    /**
     * Deletes the memory directories (beside this one) whose state directory is gone. A directory without its
     * {@code state-dir} file, or that this user cannot read, is someone else's and is left alone.
     */
    void removeAbandoned() {
        if (root.isEmpty() || !Files.isDirectory(root.get().getParent())) {
            return;
        }
        try (Stream<Path> dirs = Files.list(root.get().getParent())) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(PREFIX) && !d.equals(root.get()))
                    .toList()) {
                Path owner = dir.resolve(STATE_DIR_FILE);
                if (!Files.isRegularFile(owner) || !Files.isReadable(owner)) {
                    continue;
                }
                Path state = Path.of(Files.readString(owner, StandardCharsets.UTF_8).strip());
                if (state.isAbsolute() && !Files.exists(state)) {
                    log.info("Deleting the guest memory files in {}: their state directory {} is gone", dir, state);
                    FileTree.deleteQuietly(dir);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Could not look for abandoned guest memory beside {}: {}", root.get(), e.toString());
        }
    }

    private void ensureRoot() throws IOException {
        Path dir = root.orElseThrow();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Path owner = dir.resolve(STATE_DIR_FILE);
        if (!Files.isRegularFile(owner)) {
            Files.writeString(owner, stateDir.toString(), StandardCharsets.UTF_8);
        }
    }

    private static String hash(Path stateDir) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    stateDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
