package io.deskpool.server.chaos;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A small tmpfs mounted as the server's state directory for the run, so it can be filled up on purpose (and is
 * unmounted after). Mounting needs root; {@link #mount} says why not otherwise.
 */
final class TmpfsStateDir implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TmpfsStateDir.class);
    private static final byte[] CHUNK = new byte[1 << 20];

    private final Path dir;
    private final Path filler;

    private TmpfsStateDir(Path dir) {
        this.dir = dir;
        this.filler = dir.resolve("chaos-filler");
    }

    /** Mounts a tmpfs of {@code megabytes} at {@code dir}, or says why it cannot. */
    static Result mount(Path dir, int megabytes) {
        if (!"root".equals(System.getProperty("user.name"))) {
            return new Result(Optional.empty(), "not running as root: mounting a tmpfs needs root");
        }
        try {
            Files.createDirectories(dir);
            String out = run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "deskpool-chaos", dir.toString());
            if (out != null) {
                return new Result(Optional.empty(), "mount -t tmpfs failed: " + out.strip());
            }
            log.info("State directory {} is a {} MB tmpfs, to be filled up on purpose", dir, megabytes);
            return new Result(Optional.of(new TmpfsStateDir(dir)), "");
        } catch (IOException e) {
            return new Result(Optional.empty(), "cannot mount a tmpfs: " + e.getMessage());
        }
    }

    record Result(Optional<TmpfsStateDir> mounted, String whyNot) {
    }

    /** Writes a file until the file system is full; returns the megabytes written. */
    long fill() {
        long written = 0;
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(CHUNK);
                written++;
            }
        } catch (IOException e) {
            log.info("State directory full after {} MB of filler ({})", written, e.getMessage());
        }
        return written;
    }

    void free() {
        try {
            Files.deleteIfExists(filler);
        } catch (IOException e) {
            log.warn("Could not remove the filler {}: {}", filler, e.getMessage());
        }
    }

    @Override
    public void close() {
        free();
        try {
            String out = run("umount", "-l", dir.toString());
            if (out != null) {
                log.warn("umount {} failed: {}", dir, out.strip());
            }
        } catch (IOException e) {
            log.warn("umount {} failed: {}", dir, e.getMessage());
        }
    }

    /** Runs a command; null when it succeeded, else its output. */
    private static String run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            return p.waitFor() == 0 ? null : out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
