package io.deskpool.core.qemu;

import java.nio.file.Path;

import static java.util.Objects.requireNonNull;

/**
 * A file holding a VM's saved state (a QEMU migration stream): where this process finds it, and the path QEMU
 * uses for it, which differs when QEMU runs in a container that sees the file through a bind mount. QEMU reads
 * and writes it through {@code exec:} with a shell, so the path is limited to characters that need no quoting.
 */
public record StateFile(Path hostPath, String qemuPath) {
    private static final String SAFE = "[A-Za-z0-9/._+-]+";

    public StateFile {
        requireNonNull(hostPath, "hostPath is null");
        requireNonNull(qemuPath, "qemuPath is null");
        if (!qemuPath.matches(SAFE) || !qemuPath.startsWith("/")) {
            throw new IllegalArgumentException("a state file path must be absolute and of letters, digits and /._+- "
                    + "only, got '" + qemuPath + "'");
        }
    }

    /** A file QEMU sees at the same path as this process. */
    public static StateFile onHost(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        return new StateFile(abs, abs.toString());
    }

    /** The migration URI that writes the state into the file. */
    String saveUri() {
        return "exec:cat > " + qemuPath;
    }

    /** The migration URI that reads the state from the file. */
    String loadUri() {
        return "exec:cat " + qemuPath;
    }
}
