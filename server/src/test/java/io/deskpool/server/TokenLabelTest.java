package io.deskpool.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import static io.deskpool.server.MemoryServerBed.ALICE;
import static io.deskpool.server.MemoryServerBed.BOB;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Token labels ({@code tok-<8 hex>}) are an HMAC keyed with a secret of this server, so a label cannot be checked
 * against guessed tokens offline; the key is kept owner-only in STATE_DIR, so labels stay the same across restarts.
 */
class TokenLabelTest {
    @TempDir
    Path state;
    @TempDir
    Path otherState;

    @Test
    void the_key_is_made_on_first_start_and_readable_by_the_owner_only() throws Exception {
        try (MemoryServerBed ignored = MemoryServerBed.start(state, Map.of())) {
            Path key = state.resolve("token-label-key");

            assertThat(key).exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        }
    }

    @Test
    void a_label_is_not_the_unkeyed_hash_of_the_token() throws Exception {
        String shortToken = "ab";
        String unkeyed = "tok-" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(shortToken.getBytes(StandardCharsets.UTF_8)), 0, 4);
        try (MemoryServerBed bed = MemoryServerBed.start(state, Map.of("TOKENS", shortToken + ":1," + ALICE + ":1"))) {
            String label = bed.label(shortToken);

            assertThat(label).matches("tok-[0-9a-f]{8}").isNotEqualTo(unkeyed);
            assertThat(bed.http.get("/tokens", ALICE).json().has(label)).isTrue();
        }
    }

    @Test
    void labels_differ_between_servers_and_survive_a_restart() {
        String first;
        try (MemoryServerBed bed = MemoryServerBed.start(state, Map.of())) {
            first = bed.label(BOB);
        }
        try (MemoryServerBed restarted = MemoryServerBed.start(state, Map.of());
             MemoryServerBed other = MemoryServerBed.start(otherState, Map.of())) {
            assertThat(restarted.label(BOB)).isEqualTo(first);
            assertThat(other.label(BOB)).isNotEqualTo(first);
        }
    }
}
