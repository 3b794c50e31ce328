package io.deskpool.provider.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.qemu.StreamedDisk;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static java.util.Objects.requireNonNull;

/**
 * Whether a container's QEMU can send the guest's disk writes inside its migration stream (block migration), which
 * a fork of a container needs ({@link StreamedDisk}: the parent's {@code -snapshot} overlays travel with the
 * memory). QEMU deprecated block migration in 8.2 and removed it in 9.1, along with its {@code block} migration
 * capability, so the capabilities the QEMU lists ({@code query-migrate-capabilities}) decide; its version
 * ({@code query-version}) is for the reason only.
 *
 * @param qemuVersion "major.minor.micro" as the QEMU reports it, or "unknown"
 * @param missing     the migration capabilities {@link StreamedDisk} sets that this QEMU does not have
 */
record BlockMigrationSupport(String qemuVersion, Set<String> missing) {
    BlockMigrationSupport {
        requireNonNull(qemuVersion, "qemuVersion is null");
        missing = Set.copyOf(requireNonNull(missing, "missing is null"));
    }

    /** The capabilities the fork's disk hand-off turns on: what the QEMU must list. */
    static Set<String> needed() {
        return new StreamedDisk().saveCapabilities().keySet();
    }

    /** Asks the QEMU behind {@code qmp}. */
    static BlockMigrationSupport ask(QmpClient qmp, Duration timeout) throws QmpClient.QmpException {
        JsonNode version = qmp.execute("query-version", Map.of(), timeout);
        JsonNode capabilities = qmp.execute("query-migrate-capabilities", Map.of(), timeout);
        return of(version, capabilities);
    }

    /** From the {@code return} values of {@code query-version} and {@code query-migrate-capabilities}. */
    static BlockMigrationSupport of(JsonNode version, JsonNode capabilities) {
        JsonNode qemu = version == null ? null : version.path("qemu");
        String v = qemu != null && qemu.path("major").isInt() && qemu.path("minor").isInt()
                ? qemu.path("major").asInt() + "." + qemu.path("minor").asInt() + "." + qemu.path("micro").asInt(0)
                : "unknown";
        Set<String> listed = new HashSet<>();
        if (capabilities != null && capabilities.isArray()) {
            for (JsonNode c : capabilities) {
                if (c.path("capability").isTextual()) {
                    listed.add(c.path("capability").asText());
                }
            }
        }
        Set<String> missing = new HashSet<>(needed());
        missing.removeAll(listed);
        return new BlockMigrationSupport(v, missing);
    }

    boolean available() {
        return missing.isEmpty();
    }

    /** Why a container with this QEMU cannot be forked (for an {@code UNSUPPORTED_BY_PROVIDER} error). */
    String reason() {
        return "the containers' QEMU " + qemuVersion + " has no block migration (migration capability "
                + String.join(", ", new TreeSet<>(missing)) + " missing; QEMU removed it in 9.1), which a fork needs "
                + "to carry the parent's disk writes (its -snapshot overlays) to the copies; an image with QEMU 9.0 or "
                + "older can be forked";
    }
}
