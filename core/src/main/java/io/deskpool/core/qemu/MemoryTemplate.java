package io.deskpool.core.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The memory of a VM whose RAM is a shared file ({@code memory-backend-file,share=on}) handed to its copies as a
 * file: the state stream skips the RAM ({@code x-ignore-shared}, so it holds the device state only), and while the
 * VM still stands the file is copied to {@code template} (at memory-copy speed, holes kept), which the copies map
 * copy-on-write ({@code share=off}): nothing is read before a copy touches a page, and untouched pages are shared
 * by all copies through the page cache. The VM itself continues on its own file.
 *
 * @param ramFile  the VM's RAM file
 * @param template where the frozen copy goes; the copies' memory backends name it
 * @param cp       the {@code cp} program (GNU coreutils: {@code --sparse=always} keeps zero pages as holes)
 */
public record MemoryTemplate(Path ramFile, Path template, Path cp) implements MemoryHandoff {
    private static final long COPY_TIMEOUT_MINUTES = 10;

    public MemoryTemplate {
        requireNonNull(ramFile, "ramFile is null");
        requireNonNull(template, "template is null");
        requireNonNull(cp, "cp is null");
    }

    /** The capability both sides need: RAM that is a shared file is not in the stream. */
    public static Map<String, Boolean> ignoreShared() {
        return Map.of("x-ignore-shared", true);
    }

    @Override
    public Map<String, Boolean> capabilities() {
        return ignoreShared();
    }

    @Override
    public void afterSave() throws IOException {
        Files.createDirectories(template.getParent());
        Process p = new ProcessBuilder(List.of(cp.toString(), "--sparse=always", ramFile.toString(),
                template.toString())).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(COPY_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("copying " + ramFile + " did not finish in " + COPY_TIMEOUT_MINUTES + " minutes");
            }
            if (p.exitValue() != 0) {
                throw new IOException("copying " + ramFile + " to " + template + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while copying " + ramFile, e);
        }
    }
}
