package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.pool.VmState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.deskpool.server.MemoryServerBed.ALICE;
import static io.deskpool.server.MemoryServerBed.BOB;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The three fork routes' contract over the in-memory provider (it forks map entries): answers, body checks before
 * any action, ownership, all-or-nothing quota and pool size, and 501 from a provider that cannot fork. What a fork
 * copies on real guests is tested in {@code ForkOnGuestTest}.
 */
class ForkApiTest {
    @TempDir
    Path state;
    private MemoryServerBed bed;

    @AfterEach
    void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    private HttpCalls start(Map<String, String> extra) {
        var settings = new java.util.HashMap<>(Map.of("TOKENS", ALICE + ":4," + BOB + ":2", "POOL_WARM", "0"));
        settings.putAll(extra);
        bed = MemoryServerBed.start(state, settings);
        return bed.http;
    }

    private static String lease(HttpCalls http, String token) {
        HttpCalls.Reply r = http.post("/v1/leases", token, "{\"wait_seconds\": 5}");
        assertThat(r.status()).isEqualTo(201);
        return r.json().path("lease_id").asText();
    }

    private int vms() {
        return bed.server.pool().status().total();
    }

    @Test
    void a_lease_fork_answers_201_with_a_lease_view_with_endpoints_per_copy() {
        HttpCalls http = start(Map.of());
        String parent = lease(http, ALICE);

        HttpCalls.Reply r = http.post("/v1/leases/" + parent + "/fork", ALICE, "{\"count\": 2}");

        assertThat(r.status()).isEqualTo(201);
        JsonNode leases = r.json().path("leases");
        assertThat(leases).hasSize(2).allSatisfy(l -> {
            assertThat(l.path("lease_id").asText()).startsWith("lease-").isNotEqualTo(parent);
            assertThat(l.path("state").asText()).isEqualTo("active");
            assertThat(l.path("endpoints").path("server_port").asInt()).isPositive();
        });
        assertThat(http.get("/v1/leases/" + leases.get(0).path("lease_id").asText(), ALICE).status()).isEqualTo(200);
        assertThat(bed.server.pool().status().count(VmState.LEASED)).isEqualTo(3);
    }

    @Test
    void the_copies_leases_are_kept_across_a_restart_like_any_lease() throws Exception {
        HttpCalls http = start(Map.of());
        String parent = lease(http, ALICE);

        JsonNode leases = http.post("/v1/leases/" + parent + "/fork", ALICE, "{\"count\": 2}").json().path("leases");

        List<String> kept;
        try (Stream<Path> files = Files.list(state.resolve("leases"))) {
            kept = files.map(f -> f.getFileName().toString()).toList();
        }
        for (JsonNode l : leases) {
            assertThat(kept).contains(l.path("lease_id").asText() + ".json");
        }
    }

    @Test
    void a_fork_body_that_is_not_right_is_a_400_and_changes_nothing() {
        HttpCalls http = start(Map.of());
        String parent = lease(http, ALICE);
        var statuses = new ArrayList<Integer>();

        for (String body : List.of("", "{}", "{\"count\": 0}", "{\"count\": 5}", "{\"count\": \"two\"}",
                "{\"count\": 1.5}", "{\"count\": 2", "[2]")) {
            HttpCalls.Reply r = http.post("/v1/leases/" + parent + "/fork", ALICE, body);
            statuses.add(r.status());
            assertThat(r.json().path("error").asText()).as(body).isEqualTo("invalid_argument");
        }

        assertThat(statuses).containsOnly(400);
        assertThat(vms()).isEqualTo(1);
    }

    @Test
    void another_tokens_lease_cannot_be_forked_and_an_unknown_one_is_404() {
        HttpCalls http = start(Map.of());
        String alices = lease(http, ALICE);

        HttpCalls.Reply theirs = http.post("/v1/leases/" + alices + "/fork", BOB, "{\"count\": 1}");
        HttpCalls.Reply unknown = http.post("/v1/leases/lease-nope/fork", ALICE, "{\"count\": 1}");

        assertThat(theirs.status()).isEqualTo(403);
        assertThat(theirs.json().path("error").asText()).isEqualTo("not_lease_owner");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(vms()).isEqualTo(1);
    }

    @Test
    void a_fork_beyond_the_tokens_quota_is_a_429_before_anything_starts() {
        HttpCalls http = start(Map.of());
        String parent = lease(http, BOB);

        HttpCalls.Reply r = http.post("/v1/leases/" + parent + "/fork", BOB, "{\"count\": 2}");

        assertThat(r.status()).isEqualTo(429);
        assertThat(r.json().path("error").asText()).isEqualTo("quota_exceeded");
        assertThat(vms()).isEqualTo(1);
        assertThat(http.post("/v1/leases/" + parent + "/fork", BOB, "{\"count\": 1}").status()).isEqualTo(201);
    }

    @Test
    void a_fork_the_pool_has_no_room_for_is_a_503_pool_full_before_anything_starts() {
        HttpCalls http = start(Map.of());
        String parent = lease(http, ALICE);
        lease(http, BOB);
        lease(http, BOB);

        HttpCalls.Reply r = http.post("/v1/leases/" + parent + "/fork", ALICE, "{\"count\": 2}");

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.json().path("error").asText()).isEqualTo("pool_full");
        assertThat(vms()).isEqualTo(3);
    }

    @Test
    void a_provider_that_cannot_fork_answers_501_with_its_reason() {
        HttpCalls http = start(Map.of("MEMORY_FORK", "off"));
        String parent = lease(http, ALICE);

        HttpCalls.Reply r = http.post("/v1/leases/" + parent + "/fork", ALICE, "{\"count\": 1}");

        assertThat(r.status()).isEqualTo(501);
        assertThat(r.json().path("error").asText()).isEqualTo("unsupported_by_provider");
        assertThat(r.json().path("message").asText()).contains("MEMORY_FORK=off");
        assertThat(vms()).isEqualTo(1);
    }

    @Test
    void a_session_fork_body_is_checked_before_the_session_is_looked_up() {
        HttpCalls http = start(Map.of());

        for (String body : List.of("{}", "{\"count\": 0}", "{\"count\": 5}", "{\"count\": \"2\"}", "{\"count\": 2")) {
            HttpCalls.Reply r = http.post("/v1/sessions/env-nope/fork", ALICE, body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.json().path("details").path("reason").asText()).isEqualTo("invalid_request");
        }
        assertThat(http.post("/v1/sessions/env-nope/fork", ALICE, "{\"count\": 1}").status()).isEqualTo(404);
        assertThat(vms()).isZero();
    }

    @Test
    void an_envs_fork_without_proper_target_slots_is_a_400() {
        HttpCalls http = start(Map.of());

        for (String body : List.of("{\"slot_id\": 0}", "{\"slot_id\": 0, \"target_slot_ids\": []}",
                "{\"slot_id\": 0, \"target_slot_ids\": [1, 1]}", "{\"slot_id\": 0, \"target_slot_ids\": [0, 1]}",
                "{\"slot_id\": 0, \"target_slot_ids\": [\"1\"]}", "{\"slot_id\": 0, \"target_slot_ids\": [-1]}",
                "{\"slot_id\": 0, \"target_slot_ids\": [1, 2, 3, 4, 5]}", "{\"slot_id\": 0, \"target_slot_ids\": 1}")) {
            HttpCalls.Reply r = http.post("/env/fork", ALICE, body);
            assertThat(r.status()).as(body).isEqualTo(400);
        }
        HttpCalls.Reply mismatch = http.post("/slots/2/env/fork", ALICE, "{\"slot_id\": 0, \"target_slot_ids\": [1]}");
        assertThat(mismatch.status()).isEqualTo(400);
        assertThat(vms()).isZero();
    }

    @Test
    void an_envs_fork_of_a_slot_without_an_episode_is_a_409_that_starts_nothing() {
        HttpCalls http = start(Map.of());

        HttpCalls.Reply r = http.post("/slots/0/env/fork", ALICE, "{\"target_slot_ids\": [1, 2]}");

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().path("details").path("reason").asText()).isEqualTo("not_reset");
        assertThat(vms()).isZero();
    }

    @Test
    void the_docs_describe_the_three_fork_routes() {
        HttpCalls http = start(Map.of());

        JsonNode paths = http.get("/docs/openapi.json", null).json().path("paths");

        assertThat(List.of("/v1/leases/{id}/fork", "/v1/sessions/{id}/fork", "/env/fork", "/slots/{slot}/env/fork"))
                .allSatisfy(p -> assertThat(paths.path(p).path("post").path("responses").has("501")).as(p).isTrue());
    }
}
