package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.pool.BreakerStatus;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.testing.InMemoryProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A VM that dies under a lease, as each API tells its client; the breaker and failing destroys in the pool view. */
class LostVmApiTest {
    private static final String ALPHA = "alpha-secret-token";
    private static final String BETA = "beta-secret-token";
    private static final String ADMIN = "admin-secret-token";

    @TempDir
    Path state;
    private DeskpoolServer server;
    private HttpCalls http;
    private InMemoryProvider provider;

    @BeforeEach
    void start() {
        server = DeskpoolServer.start(Settings.of(Map.of(
                "PROVIDER", "memory", "STATE_DIR", state.toString(), "HOST", "127.0.0.1", "PORT", "0",
                "TOKENS", ALPHA + ":2," + BETA + ":1", "ADMIN_TOKEN", ADMIN, "POOL_SIZE", "3", "POOL_WARM", "0", "START_WAIT", "5",
                "BREAKER_FAILURES", "1")), Clock.systemUTC());
        http = new HttpCalls("http://127.0.0.1:" + server.port());
        provider = (InMemoryProvider) server.pool().provider();
    }

    @AfterEach
    void stop() {
        provider.failNextDestroys(0);
        provider.failNextLaunches(0);
        server.close();
    }

    private JsonNode lease() {
        HttpCalls.Reply r = http.post("/v1/leases", ALPHA, "{\"wait_seconds\": 10}");
        assertThat(r.status()).isEqualTo(201);
        return r.json();
    }

    @Test
    void a_lease_whose_vm_died_is_a_410_vm_lost_on_get_heartbeat_and_release() {
        JsonNode lease = lease();
        String id = lease.path("lease_id").asText();
        assertThat(lease.path("state").asText()).isEqualTo("active");

        provider.kill(lease.path("vm_id").asText());

        for (HttpCalls.Reply r : new HttpCalls.Reply[] {http.get("/v1/leases/" + id, ALPHA),
                http.post("/v1/leases/" + id + "/heartbeat", ALPHA, "{}"), http.delete("/v1/leases/" + id, ALPHA)}) {
            assertThat(r.status()).isEqualTo(410);
            assertThat(r.json().path("error").asText()).isEqualTo("vm_lost");
            assertThat(r.json().path("details").path("state").asText()).isEqualTo("lost");
            assertThat(r.json().path("details").path("vm_id").asText()).isEqualTo(lease.path("vm_id").asText());
            assertThat(r.json().path("details").path("reason").asText()).contains("killed");
        }
    }

    @Test
    void another_token_asking_about_a_lost_lease_gets_403_and_learns_nothing() {
        JsonNode lease = lease();
        provider.kill(lease.path("vm_id").asText());

        HttpCalls.Reply r = http.get("/v1/leases/" + lease.path("lease_id").asText(), BETA);

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).doesNotContain(lease.path("vm_id").asText());
    }

    @Test
    void emulator_status_and_stop_of_an_emulator_whose_vm_died_say_lost_with_410() {
        JsonNode started = http.post("/start_emulator", ALPHA, "{}").json().path("data");
        String id = started.path("emulator_id").asText();

        provider.kill(started.path("vm_id").asText());

        HttpCalls.Reply status = http.get("/emulator_status/" + id, ALPHA);
        assertThat(status.status()).isEqualTo(410);
        assertThat(status.json().path("status").asText()).isEqualTo("lost");
        assertThat(status.json().path("error").asText()).isEqualTo("vm_lost");
        HttpCalls.Reply stop = http.delete("/emulators/" + id, ALPHA);
        assertThat(stop.status()).isEqualTo(410);
        assertThat(stop.json().path("error").asText()).isEqualTo("vm_lost");
    }

    @Test
    void the_pool_view_shows_the_breaker_the_failing_destroys_and_the_lost_leases() {
        JsonNode lease = lease();
        provider.failNextDestroys(1000);
        provider.kill(lease.path("vm_id").asText());
        provider.failNextLaunches(1000);
        http.post("/v1/leases", ALPHA, "{\"wait_seconds\": 1}");

        JsonNode pool = http.get("/v1/pool", ADMIN).json();

        assertThat(pool.path("breaker").path("state").asText()).isIn("open", "half_open");
        assertThat(pool.path("breaker").path("last_failure").asText()).contains("failed on demand");
        assertThat(pool.path("failed_destroys").get(0).path("vm_id").asText()).isEqualTo(lease.path("vm_id").asText());
        assertThat(pool.path("failed_destroys").get(0).path("attempts").asInt()).isPositive();
        assertThat(pool.path("lost_leases").asInt()).isEqualTo(1);
        assertThat(server.pool().status().breaker().state()).isNotEqualTo(BreakerStatus.State.CLOSED);
    }
}
