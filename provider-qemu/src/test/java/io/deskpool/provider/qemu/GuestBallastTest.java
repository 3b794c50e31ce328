package io.deskpool.provider.qemu;

import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guest's benchmark ballast ({@code POST /setup/ballast {"mb": N}}, guest/agent/ballast_routes.c) on one real
 * test-guest VM: N MiB of the guest's RAM filled and held, a new call replacing the last one, 0 freeing it, and
 * anything but a whole number from 0 to 65536 refused with 400. Memory in use is the guest's own account
 * ({@code MemTotal - MemAvailable} in /proc/meminfo), measured against what it was before any ballast. The tests
 * share the VM and its ballast, so they run in a fixed order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuestBallastTest {
    private static final String USED_MIB = "awk '/^MemTotal:/ {t=$2} /^MemAvailable:/ {a=$2} END {print int((t-a)/1024)}' "
            + "/proc/meminfo";
    /** What else the guest may take or give back meanwhile (page tables, the agent's own processes), in MiB. */
    private static final long SLACK_MIB = 24;

    @TempDir
    static Path stateDir;

    private QemuProvider provider;
    private VmHandle vm;
    private long usedBefore;

    @BeforeAll
    void launch_a_vm_with_room_for_ballast() throws Exception {
        provider = TestProviders.create("ballast-test", stateDir, java.time.Clock.systemUTC(),
                Map.of("RAM_SIZE", "512M"));
        vm = provider.awaitReady(provider.launch("vm-ballast", provider.baseSpec()), Duration.ofSeconds(120));
        usedBefore = usedMib();
    }

    @AfterAll
    void remove_the_vm() {
        if (provider != null && vm != null) {
            provider.destroy(vm);
        }
    }

    @Test
    @Order(1)
    void a_fill_of_n_mib_is_held_in_the_guests_used_memory() throws Exception {
        HttpResponse<String> answer = ballast("{\"mb\": 160}");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"status\": \"success\", \"mb\": 160}");
        assertThat(usedMib()).isBetween(usedBefore + 160 - SLACK_MIB, usedBefore + 160 + SLACK_MIB);
    }

    @Test
    @Order(2)
    void a_new_fill_replaces_the_ballast_held_before_instead_of_adding_to_it() throws Exception {
        assertThat(ballast("{\"mb\": 64}").statusCode()).isEqualTo(200);

        assertThat(usedMib()).isBetween(usedBefore + 64 - SLACK_MIB, usedBefore + 64 + SLACK_MIB);
    }

    @ParameterizedTest
    @Order(3)
    @ValueSource(strings = {"{\"mb\": -1}", "{\"mb\": 1.5}", "{\"mb\": \"64\"}", "{\"mb\": 65537}", "{\"mib\": 64}",
            "{}"})
    void an_mb_that_is_not_a_whole_number_from_0_to_65536_is_refused_and_the_ballast_stays(String body)
            throws Exception {
        HttpResponse<String> answer = ballast(body);

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.body()).contains("'mb' must be a whole number of MiB from 0 to 65536");
        assertThat(usedMib()).isBetween(usedBefore + 64 - SLACK_MIB, usedBefore + 64 + SLACK_MIB);
    }

    @Test
    @Order(3)
    void a_body_that_is_not_a_json_object_is_refused() throws Exception {
        assertThat(ballast("64").statusCode()).isEqualTo(400);
        assertThat(ballast("{\"mb\": ").statusCode()).isEqualTo(400);
    }

    @Test
    @Order(4)
    void a_fill_of_0_frees_the_ballast() throws Exception {
        HttpResponse<String> answer = ballast("{\"mb\": 0}");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"status\": \"success\", \"mb\": 0}");
        assertThat(usedMib()).isBetween(usedBefore - SLACK_MIB, usedBefore + SLACK_MIB);
    }

    private HttpResponse<String> ballast(String body) throws Exception {
        return GuestCalls.postJson(vm.requireEndpoints(), "/setup/ballast", body);
    }

    private long usedMib() throws Exception {
        VmEndpoints ep = vm.requireEndpoints();
        return Long.parseLong(GuestCalls.shell(ep, USED_MIB).output().strip());
    }
}
