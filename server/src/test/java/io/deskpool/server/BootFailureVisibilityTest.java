package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.testing.InMemoryProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.deskpool.server.MemoryServerBed.ADMIN;
import static io.deskpool.server.MemoryServerBed.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider's failure messages name host paths, commands and addresses: in the pool's views (/v1/pool, /status,
 * /v1/overview, /health) only the admin token reads them; everyone else learns that something failed.
 */
class BootFailureVisibilityTest {
    private static final String MESSAGE = "failed on demand";

    @TempDir
    Path state;
    private MemoryServerBed bed;
    private InMemoryProvider provider;

    @BeforeEach
    void start() {
        bed = MemoryServerBed.start(state, Map.of("POOL_WARM", "0", "BREAKER_FAILURES", "1"));
        provider = (InMemoryProvider) bed.server.pool().provider();
        provider.failNextLaunches(1000);
        provider.failNextDestroys(1000);
        bed.http.post("/v1/leases", ALICE, "{\"wait_seconds\": 1}");
        QemuServerTestBed.eventually("a boot failed", () -> !bed.server.pool().status().lastBootFailure().isEmpty(), 20);
    }

    @AfterEach
    void stop() {
        provider.failNextLaunches(0);
        provider.failNextDestroys(0);
        bed.close();
    }

    /** The pool document of each view, as {@code caller} gets it. */
    private List<JsonNode> poolViews(String caller) {
        return List.of(bed.http.get("/v1/pool", caller).json(),
                bed.http.get("/status", caller).json().path("pool"),
                bed.http.get("/v1/overview", caller).json().path("pool"),
                bed.http.get("/health", caller).json().path("pool"));
    }

    @Test
    void the_admin_reads_the_last_boot_failure_everywhere() {
        for (JsonNode pool : poolViews(ADMIN)) {
            assertThat(pool.path("last_boot_failure").asText()).contains(MESSAGE);
        }
        assertThat(bed.http.get("/v1/pool", ADMIN).json().path("breaker").path("last_failure").asText()).contains(MESSAGE);
    }

    @Test
    void a_client_and_a_caller_without_a_token_get_a_generic_text() {
        for (String caller : new String[]{ALICE, null}) {
            for (JsonNode pool : poolViews(caller)) {
                assertThat(pool.path("last_boot_failure").asText()).isEqualTo(PoolJson.WITHHELD);
                assertThat(pool.toString()).doesNotContain(MESSAGE);
            }
            assertThat(bed.http.get("/health", caller).body()).doesNotContain(MESSAGE);
            assertThat(bed.http.get("/v1/pool", caller).json().path("breaker").path("last_failure").asText())
                    .isEqualTo(PoolJson.WITHHELD);
        }
    }
}
