package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.deskpool.server.MemoryServerBed.ADMIN;
import static io.deskpool.server.MemoryServerBed.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

/** The request log names every caller and path, so it is for the admin token only, and holds no token in clear. */
class RequestLogPrivacyTest {
    private static final String NEWCOMER = "newcomer-secret-token";

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
    void the_request_log_is_for_the_admin_token_only() {
        bed = MemoryServerBed.start(state, Map.of());
        bed.http.post("/start_emulator", ALICE, "{}");

        assertThat(bed.http.get("/request_logs", null).status()).isEqualTo(401);
        assertThat(bed.http.get("/request_logs", ALICE).status()).isEqualTo(403);
        assertThat(bed.http.get("/v1/overview", ALICE).json().path("requests")).isEmpty();
        assertThat(bed.http.get("/request_logs", ADMIN).json()).isNotEmpty();
        assertThat(bed.http.get("/v1/overview", ADMIN).json().path("requests")).isNotEmpty();
    }

    @Test
    void a_token_in_a_path_is_logged_as_its_label() throws Exception {
        bed = MemoryServerBed.start(state, Map.of());
        bed.http.put("/v1/tokens/" + NEWCOMER, ADMIN, "{\"limit\": 1}");
        bed.http.get("/v1/tokens/" + NEWCOMER + "/no-such-route", ADMIN);
        bed.http.delete("/v1/tokens/" + NEWCOMER, ADMIN);

        JsonNode recent = bed.http.get("/request_logs", ADMIN).json();
        bed.close();
        String file = Files.readString(state.resolve("logs/requests.jsonl"));
        bed = null;

        assertThat(recent.toString()).doesNotContain(NEWCOMER).contains("/v1/tokens/tok-");
        assertThat(file).doesNotContain(NEWCOMER).contains("\"method\":\"PUT\",\"path\":\"/v1/tokens/tok-");
    }
}
