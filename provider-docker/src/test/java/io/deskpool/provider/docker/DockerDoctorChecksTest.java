package io.deskpool.provider.docker;

import io.deskpool.core.doctor.CheckContext;
import io.deskpool.core.doctor.CheckOutcome;
import io.deskpool.core.doctor.CheckStatus;
import io.deskpool.core.doctor.Doctor;
import io.deskpool.core.doctor.DoctorCheck;
import io.deskpool.core.doctor.DoctorReport;
import io.deskpool.core.settings.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The docker provider's doctor checks against the real engine: up (DOCKER_HOST default) and down (DOCKER_HOST at
 * a socket nobody listens on, so the shared engine keeps running), image present, missing and pullable from a
 * loopback registry, missing and not pullable, a bad qcow2, and KVM as this host really has it.
 */
class DockerDoctorChecksTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static DoctorReport doctor(Settings settings) {
        return Doctor.run(new DockerProviderFactory().checks(settings), new CheckContext(settings, TIMEOUT));
    }

    private static CheckOutcome outcome(DoctorReport report, String name) {
        return report.outcomes().stream().filter(o -> o.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check named " + name + " in " + report.outcomes()));
    }

    private static CheckOutcome single(DoctorCheck check, Settings settings) {
        return Doctor.run(List.of(check), new CheckContext(settings, TIMEOUT)).outcomes().get(0);
    }

    @Test
    void a_healthy_setup_passes_engine_api_image_qcow2_and_resources() {
        DoctorReport report = doctor(TestDesktop.settings(Map.of("POOL_SIZE", "1")));

        assertThat(report.outcomes()).extracting(CheckOutcome::name).containsExactly("docker engine",
                "docker API version", "docker image", "KVM", "leftover containers", "guest network", "PATH_TO_VM image",
                "host memory", "free disk");
        assertThat(outcome(report, "docker engine").result().summary()).startsWith("Docker engine ").endsWith(" answers");
        assertThat(outcome(report, "docker API version").status()).isEqualTo(CheckStatus.PASS);
        assertThat(outcome(report, "docker image").result().summary()).contains(TestDesktop.image() + " is on the engine");
        assertThat(outcome(report, "PATH_TO_VM image").result().summary()).contains("is a qcow2 v");
        assertThat(outcome(report, "host memory").status()).isEqualTo(CheckStatus.PASS);
        assertThat(outcome(report, "free disk").result().summary()).contains("(the Docker engine's data root)");
        assertThat(report.hasBlockingFailure()).as(report.outcomes().toString()).isFalse();
    }

    @Test
    void an_engine_that_does_not_answer_is_a_blocking_failure_with_the_fix() {
        String nowhere = "unix://" + dir.resolve("no-engine.sock");

        DoctorReport report = doctor(TestDesktop.settings(Map.of("DOCKER_HOST", nowhere)));

        CheckOutcome engine = outcome(report, "docker engine");
        assertThat(engine.blocks()).isTrue();
        assertThat(engine.result().summary()).contains(nowhere).contains("not reachable");
        assertThat(engine.result().fix()).contains("start the engine");
        assertThat(outcome(report, "docker API version").status()).isEqualTo(CheckStatus.WARN);
        assertThat(outcome(report, "docker image").status()).isEqualTo(CheckStatus.WARN);
        assertThat(outcome(report, "docker image").result().summary()).contains("not checked");
        assertThat(outcome(report, "KVM").status()).isEqualTo(CheckStatus.WARN);
    }

    @Test
    void a_missing_image_that_cannot_be_pulled_is_a_blocking_failure() {
        String image = "127.0.0.1:1/deskpool/absent:1";

        CheckOutcome check = single(new DockerImageCheck(), TestDesktop.settings(Map.of("DOCKER_IMAGE", image)));

        assertThat(check.blocks()).isTrue();
        assertThat(check.result().summary()).contains(image + " is not on the engine and cannot be pulled");
        assertThat(check.result().fix()).contains("docker load");
    }

    @Test
    void a_missing_image_its_registry_has_warns_that_the_first_vm_pulls_it() throws IOException {
        try (RegistryStandIn registry = RegistryStandIn.start()) {
            CheckOutcome check = single(new DockerImageCheck(), TestDesktop.settings(Map.of("DOCKER_IMAGE", registry.image())));

            assertThat(check.status()).as(check.result().summary()).isEqualTo(CheckStatus.WARN);
            assertThat(check.result().summary()).contains("its registry has it");
            assertThat(check.result().fix()).isEqualTo("pull it now: docker pull " + registry.image());
        }
    }

    @Test
    void a_bad_qcow2_is_a_blocking_failure() throws IOException {
        Path bad = Files.writeString(dir.resolve("Ubuntu.qcow2"), "<html>Access denied</html>");

        CheckOutcome check = outcome(doctor(TestDesktop.settings(Map.of("PATH_TO_VM", bad.toString()))), "PATH_TO_VM image");

        assertThat(check.blocks()).isTrue();
        assertThat(check.result().summary()).contains("web page");
    }

    @Test
    void isolated_guests_pass_when_the_server_can_load_each_containers_firewall() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ContainerFirewall.unavailable().isEmpty(),
                "the server here cannot load container firewalls (not root or no iptables); skipped");

        CheckOutcome network = outcome(doctor(TestDesktop.settings(Map.of("POOL_SIZE", "1"))), "guest network");

        assertThat(network.status()).as(network.result().toString()).isEqualTo(CheckStatus.PASS);
        assertThat(network.result().summary()).contains("firewall in its network namespace").contains("refuses");
    }

    @Test
    void open_guests_warn_that_they_reach_the_host_and_other_containers() {
        CheckOutcome network = outcome(doctor(TestDesktop.settings(Map.of("POOL_SIZE", "1",
                "DOCKER_GUEST_NETWORK", "open"))), "guest network");

        assertThat(network.status()).isEqualTo(CheckStatus.WARN);
        assertThat(network.result().summary()).contains("reach the host").contains("other containers");
        assertThat(network.result().fix()).contains("DOCKER_GUEST_NETWORK=isolated");
    }

    @Test
    void kvm_off_warns_what_software_emulation_costs_and_which_timeout_it_needs() {
        CheckOutcome short_ = single(new DockerKvmCheck(), TestDesktop.settings(Map.of("DOCKER_KVM", "off")));
        CheckOutcome long_ = single(new DockerKvmCheck(), TestDesktop.settings(Map.of("DOCKER_KVM", "off", "VM_READY_TIMEOUT", "3600")));

        assertThat(short_.status()).isEqualTo(CheckStatus.WARN);
        assertThat(short_.result().summary()).contains("software emulation").contains("10x slower").contains("the ready timeout is 180 s");
        assertThat(short_.result().fix()).startsWith("set VM_READY_TIMEOUT=3600");
        assertThat(long_.result().fix()).startsWith("run on a host with KVM");
    }

    @Test
    void kvm_on_fails_exactly_where_the_auto_probe_finds_kvm_not_working() {
        CheckOutcome auto = single(new DockerKvmCheck(), TestDesktop.settings(Map.of("DOCKER_KVM", "auto")));
        CheckOutcome on = single(new DockerKvmCheck(), TestDesktop.settings(Map.of("DOCKER_KVM", "on")));

        if (auto.status() == CheckStatus.PASS) {
            assertThat(auto.result().summary()).contains("KVM works");
            assertThat(on.status()).isEqualTo(CheckStatus.PASS);
        } else {
            assertThat(auto.status()).isEqualTo(CheckStatus.WARN);
            assertThat(auto.result().summary()).contains("software emulation");
            assertThat(on.blocks()).as(on.result().summary()).isTrue();
            assertThat(on.result().fix()).contains("DOCKER_KVM=auto");
        }
        assertThat(TestDesktop.docker().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(KvmProbe.PROBE_LABEL, "true")).exec()).as("KVM probe containers left").isEmpty();
    }

    @Test
    void containers_of_another_server_are_reported_with_how_to_remove_them_and_ones_own_are_not() {
        String owner = "doctor-test-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        String id = TestDesktop.docker().createContainerCmd(TestDesktop.image())
                .withLabels(Map.of(io.deskpool.core.spi.VmLabels.OWNER, owner)).exec().getId();
        try {
            CheckOutcome foreign = single(new DockerLeftoversCheck(), TestDesktop.settings(Map.of("STATE_DIR", dir.toString())));
            CheckOutcome own = single(new DockerLeftoversCheck(), TestDesktop.settings(Map.of("SERVER_ID", owner)));

            assertThat(foreign.status()).isEqualTo(CheckStatus.WARN);
            assertThat(foreign.blocks()).isFalse();
            assertThat(foreign.result().summary()).contains("1 of Deskpool server " + owner);
            assertThat(foreign.result().fix()).contains("docker rm -f $(docker ps -aq --filter label=deskpool.owner=" + owner + ")");
            assertThat(own.result().summary()).contains("1 of this server's (" + owner + ") are picked up at start")
                    .doesNotContain("Deskpool server " + owner);
        } finally {
            TestDesktop.docker().removeContainerCmd(id).withForce(true).exec();
        }
    }

    @Test
    void api_versions_compare_by_number() {
        assertThat(DockerApiVersionCheck.compare("1.41", "1.40")).isPositive();
        assertThat(DockerApiVersionCheck.compare("1.9", "1.40")).isNegative();
        assertThat(DockerApiVersionCheck.compare("1.40", "1.40")).isZero();
    }
}
