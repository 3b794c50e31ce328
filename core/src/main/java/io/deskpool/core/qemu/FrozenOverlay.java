package io.deskpool.core.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Freezes a running VM's top qcow2 overlay so that copies of the VM boot over it: the overlay gets a second name
 * (a hard link at {@code frozen}, so it outlives the VM's own directory), and, with the CPUs stopped, the VM moves
 * onto a new empty overlay {@code newTop} backed by it ({@code blockdev-snapshot-sync}, mode existing). From then
 * on nothing writes the frozen file: the VM writes its new top, the copies their own overlays.
 *
 * <p>The file is linked, never renamed: QEMU reopens an image by its path when its permissions change (the old
 * top becoming a read-only backing file), and a renamed file makes that fail.
 *
 * @param device           the QEMU drive id of the disk
 * @param currentTop       the VM's top overlay now
 * @param frozen           where the frozen overlay is linked; copies' overlays name it as their backing file
 * @param newTop           the overlay the VM continues on
 * @param virtualSizeBytes the disk's virtual size (the new overlay is created without opening its backing file,
 *                         which the running QEMU holds locked)
 * @param qemuImg          the qemu-img program
 */
public record FrozenOverlay(String device, Path currentTop, Path frozen, Path newTop, long virtualSizeBytes,
                            Path qemuImg) implements DiskHandoff {
    private static final long QEMU_IMG_TIMEOUT_SECONDS = 60;

    public FrozenOverlay {
        requireNonNull(device, "device is null");
        requireNonNull(currentTop, "currentTop is null");
        requireNonNull(frozen, "frozen is null");
        requireNonNull(newTop, "newTop is null");
        requireNonNull(qemuImg, "qemuImg is null");
        if (virtualSizeBytes <= 0) {
            throw new IllegalArgumentException("virtualSizeBytes must be positive, got " + virtualSizeBytes);
        }
    }

    /**
     * Links the frozen name to the current top. Copies may open their overlays (backed by it) from now on, as long
     * as they start with {@code -incoming}: QEMU takes no image locks before the incoming state is loaded.
     */
    public void link() throws IOException {
        if (!Files.exists(frozen)) {
            Files.createDirectories(frozen.getParent());
            Files.createLink(frozen, currentTop);
        }
    }

    @Override
    public void beforeSave(QmpClient qmp, Duration timeout) throws IOException {
        link();
        createOverlay(qemuImg, frozen, newTop, virtualSizeBytes);
        qmp.execute("blockdev-snapshot-sync", Map.of("device", device, "snapshot-file", newTop.toString(),
                "format", "qcow2", "mode", "existing"), timeout);
    }

    /** Creates an empty qcow2 {@code overlay} backed by {@code backing} without opening the backing file. */
    public static void createOverlay(Path qemuImg, Path backing, Path overlay, long virtualSizeBytes) throws IOException {
        var cmd = List.of(qemuImg.toString(), "create", "-q", "-u", "-f", "qcow2", "-b", backing.toString(), "-F",
                "qcow2", overlay.toString(), Long.toString(virtualSizeBytes));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(QEMU_IMG_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("qemu-img create of " + overlay + " hung");
            }
            if (p.exitValue() != 0) {
                throw new IOException("qemu-img could not create " + overlay + " over " + backing + " (exit "
                        + p.exitValue() + "): " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while creating " + overlay, e);
        }
    }
}
