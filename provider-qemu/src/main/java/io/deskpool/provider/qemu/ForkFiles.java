package io.deskpool.provider.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * {@code STATE_DIR/qemu-forks}: one directory per fork with the parent's frozen overlay ({@code disk.qcow2}, which
 * the parent and the copies read through), the saved state the copies start from ({@code state}, needed only
 * while they load it) and {@code fork.json} (who forked whom, for operators). A fork's files go when no VM's disk
 * reads through its frozen overlay any more: {@link #collect} runs after every fork, destroy, reboot and reconcile.
 * The clean template ({@link CleanTemplates}) lives here too, in a directory named {@code clean-...}: its state file
 * stays, and the current template stays even when no disk reads through it ({@link #pin}).
 */
final class ForkFiles {
    private static final Logger log = LoggerFactory.getLogger(ForkFiles.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path root;
    static final String TEMPLATE_PREFIX = "clean-";

    /** Forks being made: their files are not referenced by any VM's disk yet, and must stay. */
    private final Set<String> inProgress = ConcurrentHashMap.newKeySet();
    /** Directories kept whatever reads them: the current clean template. */
    private final Set<String> pinned = ConcurrentHashMap.newKeySet();

    ForkFiles(Path stateDir) {
        this.root = requireNonNull(stateDir, "stateDir is null").resolve("qemu-forks").toAbsolutePath().normalize();
    }

    /** One fork's files. */
    record Fork(String id, Path dir) {
        Path disk() {
            return dir.resolve("disk.qcow2");
        }

        Path state() {
            return dir.resolve("state");
        }
    }

    /** Creates a fork's directory; its files are kept at least until {@link #finish}. */
    Fork start(String forkId, String parentId, List<String> childIds, String createdAt) throws IOException {
        return create(forkId, Map.of("fork", forkId, "parent", parentId, "children", childIds, "createdAt", createdAt));
    }

    /** Creates a directory with {@code description} in its {@code fork.json}, kept at least until {@link #finish}. */
    Fork create(String id, Map<String, ?> description) throws IOException {
        inProgress.add(id);
        try {
            Fork fork = new Fork(id, root.resolve(id));
            Files.createDirectories(fork.dir());
            JSON.writeValue(fork.dir().resolve("fork.json").toFile(), description);
            return fork;
        } catch (IOException | RuntimeException e) {
            inProgress.remove(id);
            throw e;
        }
    }

    /**
     * The fork is made (or abandoned): its state file goes (a template's stays), its frozen overlay stays while a
     * disk reads it.
     */
    void finish(Fork fork) {
        try {
            if (!isTemplate(fork.id())) {
                Files.deleteIfExists(fork.state());
            }
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", fork.state(), e.toString());
        } finally {
            inProgress.remove(fork.id());
        }
    }

    /** Whether the fork {@code id} is being made (its files may not be referenced yet). */
    boolean inProgress(String id) {
        return inProgress.contains(id);
    }

    /** Keeps the directory whatever reads it, until {@link #unpin}. */
    void pin(String id) {
        pinned.add(id);
    }

    void unpin(String id) {
        pinned.remove(id);
    }

    /** Every directory there is now. */
    List<Fork> list() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).map(d -> new Fork(d.getFileName().toString(), d)).toList();
        } catch (IOException e) {
            log.warn("Cannot list {}: {}", root, e.toString());
            return List.of();
        }
    }

    /** What {@code fork.json} of a directory says. */
    static Map<String, Object> description(Fork fork) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = JSON.readValue(fork.dir().resolve("fork.json").toFile(), Map.class);
        return map;
    }

    private static boolean isTemplate(String id) {
        return id.startsWith(TEMPLATE_PREFIX);
    }

    /**
     * Deletes every fork directory no disk in {@code tops} (the top overlays of the VMs that exist) reads
     * through, directly or through another fork's overlay, and the leftover state files of the others (a server
     * stopped in the middle of a fork).
     */
    synchronized void collect(Collection<Path> tops) {
        if (!Files.isDirectory(root)) {
            return;
        }
        var needed = new HashSet<Path>();
        for (Path top : tops) {
            try {
                if (Files.isRegularFile(top)) {
                    needed.addAll(BackingChain.of(top));
                }
            } catch (IOException e) {
                // An unreadable chain might still need anything: keep every fork this round.
                log.warn("Cannot read the backing chain of {} ({}); keeping all fork files", top, e.toString());
                return;
            }
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                String id = dir.getFileName().toString();
                if (inProgress.contains(id) || pinned.contains(id)) {
                    continue;
                }
                Fork fork = new Fork(id, dir);
                if (needed.contains(fork.disk())) {
                    if (!isTemplate(id)) {
                        Files.deleteIfExists(fork.state());
                    }
                } else {
                    log.info("{}: no VM reads its frozen overlay any more; deleting its files", id);
                    FileTree.delete(dir);
                }
            }
        } catch (IOException e) {
            log.warn("Could not clean up {}: {}", root, e.toString());
        }
    }

    /** Removes every fork's files (the server exits and takes its VMs with it). */
    void deleteAll() {
        FileTree.deleteQuietly(root);
    }
}
