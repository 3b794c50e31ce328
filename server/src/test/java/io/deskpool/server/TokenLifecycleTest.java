package io.deskpool.server;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static io.deskpool.server.MemoryServerBed.ADMIN;
import static io.deskpool.server.MemoryServerBed.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A token owns its leases only while it exists, and only a token someone can send may be created. */
class TokenLifecycleTest {
    @TempDir
    Path state;
    private MemoryServerBed bed;

    @AfterEach
    void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void a_deleted_token_loses_its_leases_at_once_and_their_vms_go_back_to_the_pool() {
        bed = MemoryServerBed.start(state, Map.of());
        String lease = bed.http.post("/v1/leases", ALICE, "{}").json().path("lease_id").asText();
        bed.http.post("/start_emulator", ALICE, "{}");
        assertThat(bed.server.pool().leases()).hasSize(2);

        assertThat(bed.http.delete("/v1/tokens/" + ALICE, ADMIN).status()).isEqualTo(204);

        assertThat(bed.server.pool().leases()).as("leases of the deleted token").isEmpty();
        assertThat(bed.http.get("/v1/leases/" + lease, ADMIN).status()).isEqualTo(404);
    }

    @Test
    void a_deleted_token_no_longer_owns_its_leases() {
        bed = MemoryServerBed.start(state, Map.of());
        String lease = bed.http.post("/v1/leases", ALICE, "{}").json().path("lease_id").asText();
        String emulator = bed.http.post("/start_emulator", ALICE, "{}").json().path("data").path("emulator_id").asText();

        assertThat(bed.http.delete("/v1/tokens/" + ALICE, ADMIN).status()).isEqualTo(204);

        HttpCalls.Reply heartbeat = bed.http.post("/v1/leases/" + lease + "/heartbeat", ALICE, null);
        assertThat(heartbeat.status()).isEqualTo(403);
        assertThat(heartbeat.json().path("message").asText()).isEqualTo("unknown token");
        assertThat(bed.http.delete("/v1/leases/" + lease, ALICE).status()).isEqualTo(403);
        assertThat(bed.http.delete("/emulators/" + emulator, ALICE).status()).isEqualTo(403);
        assertThat(bed.http.get("/emulators", ALICE).json()).isEmpty();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {" alice ", "alice\u0007", "ali\u200Fce", "\u202Ealice", "ali ce", "ali\u200Bce", "a\nb"})
    void a_token_nobody_could_send_is_refused(String name) {
        bed = MemoryServerBed.start(state, Map.of());

        HttpCalls.Reply put = bed.http.put("/v1/tokens/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"),
                ADMIN, "{\"limit\": 1}");
        HttpCalls.Reply set = bed.http.post("/set_token_limit", ADMIN,
                "{\"token\": " + JsonBody.MAPPER.valueToTree(name) + ", \"limit\": 1}");

        assertThat(put.status()).isEqualTo(400);
        assertThat(set.status()).isEqualTo(400);
        assertThat(set.json().path("message").asText()).startsWith("a token must be");
        assertThat(bed.server.pool().quotas().limits()).doesNotContainKey(name);
    }

    @Test
    void a_configured_token_with_an_invisible_character_stops_the_start() {
        DeskpoolException e = catchThrowableOfType(
                () -> MemoryServerBed.start(state, Map.of("TOKENS", "ali\u200Fce:2")), DeskpoolException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SETTING);
        assertThat(e.getMessage()).contains("TOKENS", "U+200F").doesNotContain("ali");
    }
}
