package io.deskpool.server;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;

/**
 * STATE_DIR: what survives a restart (the server id every VM is labelled with, the key token labels are made with,
 * token limits, request logs).
 */
final class StateDirectory {
    private static final Logger log = LoggerFactory.getLogger(StateDirectory.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path root;

    StateDirectory(Path root) {
        this.root = root.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
            Path probe = Files.createTempFile(this.root, ".write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new DeskpoolException(ErrorCode.INVALID_SETTING,
                    "STATE_DIR must be a writable directory, got '" + root + "': " + e.getMessage(), e);
        }
    }

    Path root() {
        return root;
    }

    /** The id this server labels its VMs with: given, or made once and kept in {@code server-id}. */
    String serverId(String configured) {
        if (!configured.isBlank()) {
            return configured.trim();
        }
        Path file = root.resolve("server-id");
        try {
            if (Files.isRegularFile(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            String id = "deskpool-" + UUID.randomUUID().toString().substring(0, 12);
            writeAtomically(file, id + "\n");
            return id;
        } catch (IOException e) {
            throw new DeskpoolException(ErrorCode.INTERNAL, "cannot keep the server id in " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The key token labels are made with ({@code token-label-key}): 32 random bytes made on the first start, readable
     * by the server's user only, so a label cannot be turned back into a short token without it.
     */
    byte[] tokenLabelKey() {
        Path file = root.resolve("token-label-key");
        try {
            if (!Files.exists(file)) {
                byte[] key = new byte[32];
                new SecureRandom().nextBytes(key);
                Path tmp = root.resolve("token-label-key." + UUID.randomUUID() + ".tmp");
                createOwnerOnly(tmp);
                Files.writeString(tmp, HexFormat.of().formatHex(key) + "\n", StandardCharsets.UTF_8);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            }
            keepOwnerOnly(file);
            byte[] key = HexFormat.of().parseHex(Files.readString(file, StandardCharsets.UTF_8).trim());
            if (key.length < 16) {
                throw new IllegalArgumentException("shorter than 16 bytes");
            }
            return key;
        } catch (IOException | IllegalArgumentException e) {
            throw new DeskpoolException(ErrorCode.INVALID_SETTING, "cannot keep the token label key in " + file
                    + " (delete it to make a new one): " + e.getMessage(), e);
        }
    }

    private static void createOwnerOnly(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        }
    }

    private static void keepOwnerOnly(Path file) throws IOException {
        try {
            if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
                log.warn("{} was readable by others; made it owner-only (0600)", file);
                Files.setPosixFilePermissions(file, OWNER_ONLY);
            }
        } catch (UnsupportedOperationException notPosix) {
            // no POSIX permissions on this file system: nothing to tighten
        }
    }

    /** Replaces a file so a crash leaves either the old or the new content, never half of it. */
    static void writeAtomically(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
