package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.pool.VmState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.deskpool.server.MemoryServerBed.ADMIN;
import static io.deskpool.server.MemoryServerBed.ALICE;
import static io.deskpool.server.MemoryServerBed.BOB;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who sees which VMs: a VM's ports are a way into it (its in-VM server runs commands as root), so a caller sees the
 * endpoints and lease ids of its own VMs only, a warm spare's to nobody but the admin; the admin token sees all.
 */
class VmVisibilityTest {
    @TempDir
    Path state;
    private MemoryServerBed bed;
    private HttpCalls http;
    private String aliceEmulator;
    private String aliceVm;
    private String bobLease;
    private String bobVm;

    @BeforeEach
    void aliceAndBobHoldAVmEach() throws Exception {
        bed = MemoryServerBed.start(state, Map.of("POOL_WARM", "1"));
        http = bed.http;
        JsonNode alice = http.post("/start_emulator", ALICE, "{\"token\":\"" + ALICE + "\"}").json().path("data");
        aliceEmulator = alice.path("emulator_id").asText();
        aliceVm = alice.path("vm_id").asText();
        JsonNode bob = http.post("/v1/leases", BOB, "{\"wait_seconds\": 5}").json();
        bobLease = bob.path("lease_id").asText();
        bobVm = bob.path("vm_id").asText();
        for (int i = 0; i < 250 && bed.server.pool().status().count(VmState.WARM) < 1; i++) {
            Thread.sleep(20);
        }
        assertThat(bed.server.pool().status().count(VmState.WARM)).as("a warm spare").isEqualTo(1);
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    private static List<String> ids(JsonNode list, String field) {
        var out = new ArrayList<String>();
        list.forEach(n -> out.add(n.path(field).asText()));
        return out;
    }

    @Test
    void a_caller_without_a_token_sees_no_vm() {
        assertThat(http.get("/emulators", null).json()).isEmpty();
        assertThat(http.get("/emulator_resources", null).json()).isEmpty();
        assertThat(http.get("/emulator_resources/" + aliceEmulator, null).status()).isEqualTo(404);
        assertThat(http.get("/emulator_status/" + aliceEmulator, null).status()).isEqualTo(404);
        assertThat(http.get("/window?emulator_id=" + aliceEmulator, null).status()).isEqualTo(404);
        assertThat(http.get("/v1/vms", null).status()).isEqualTo(401);
        assertThat(http.get("/v1/vms/" + aliceVm, null).status()).isEqualTo(401);
        String overview = http.get("/v1/overview", null).body();
        assertThat(overview).doesNotContain(aliceEmulator, aliceVm, bobLease, bobVm, "server_port");
    }

    @Test
    void a_client_sees_its_own_vms_and_nobody_elses() {
        assertThat(ids(http.get("/emulators", ALICE).json(), "emulator_id")).containsExactly(aliceEmulator);
        assertThat(ids(http.get("/emulators", BOB).json(), "emulator_id")).containsExactly(bobLease);
        assertThat(ids(http.get("/emulator_resources", BOB).json(), "emulator_id")).containsExactly(bobLease);
        assertThat(http.get("/emulator_status/" + aliceEmulator, BOB).status()).isEqualTo(404);
        assertThat(http.get("/emulator_resources/" + aliceEmulator, BOB).status()).isEqualTo(404);
        assertThat(http.get("/emulators_by_token?token=" + ALICE, BOB).json()).isEmpty();
        assertThat(http.get("/window?emulator_id=" + aliceEmulator, BOB).status()).isEqualTo(404);
        assertThat(ids(http.get("/v1/vms", BOB).json(), "vm_id")).containsExactly(bobVm);
        assertThat(http.get("/v1/vms/" + aliceVm, BOB).status()).isEqualTo(404);
        assertThat(ids(http.get("/v1/overview", BOB).json().path("vms"), "vm_id")).containsExactly(bobVm);
    }

    @Test
    void a_client_cannot_stop_a_vm_it_does_not_lease() {
        assertThat(http.delete("/v1/vms/" + aliceVm, BOB).status()).isEqualTo(404);

        assertThat(bed.server.pool().vm(aliceVm)).isPresent();
        assertThat(bed.server.pool().lease(aliceEmulator)).isPresent();
    }

    @Test
    void the_admin_token_sees_every_vm_including_the_warm_spare() {
        assertThat(ids(http.get("/emulators", ADMIN).json(), "emulator_id")).containsExactlyInAnyOrder(aliceEmulator, bobLease);
        assertThat(http.get("/emulator_status/" + aliceEmulator, ADMIN).status()).isEqualTo(200);
        assertThat(http.get("/v1/vms", ADMIN).json()).hasSize(3);
        JsonNode overview = http.get("/v1/overview", ADMIN).json();
        assertThat(overview.path("vms")).hasSize(3);
        assertThat(overview.path("admin").asBoolean()).isTrue();
    }

    @Test
    void the_backends_own_name_for_a_vm_is_shown_to_the_admin_only() {
        String backendId = bed.server.pool().vm(bobVm).orElseThrow().handle().orElseThrow().backendId();

        assertThat(http.get("/v1/vms/" + bobVm, BOB).json().has("backend_id")).isFalse();
        assertThat(http.get("/emulators", ALICE).json().get(0).path("container_id").asText()).isEqualTo(aliceVm);
        assertThat(http.get("/v1/vms/" + bobVm, ADMIN).json().path("backend_id").asText()).isEqualTo(backendId);
        assertThat(http.get("/v1/overview", BOB).body()).doesNotContain(backendId);
    }
}
