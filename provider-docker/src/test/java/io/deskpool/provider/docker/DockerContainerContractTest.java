package io.deskpool.provider.docker;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import io.deskpool.core.spi.VmHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * How a VM container is created (the OSWorld image's contract), checked on the real engine without waiting
 * for the guest: each container is removed right after it was created.
 */
class DockerContainerContractTest {
    private final String owner = "test-contract-" + UUID.randomUUID().toString().substring(0, 8);
    @TempDir
    Path stateDir;

    @AfterEach
    void cleanUp() {
        TestDesktop.removeAllOf(owner);
    }

    @Test
    void the_container_gets_the_settings_the_image_reads_and_a_qmp_socket_for_fast_revert() {
        InspectContainerResponse c = launchAndInspect(Map.of("RAM_SIZE", "512M", "CPU_CORES", "2", "DISK_SIZE", "3G",
                "DOCKER_QEMU_ARGUMENTS", "-rtc base=utc"));
        assertThat(c.getConfig().getEnv()).contains("RAM_SIZE=512M", "CPU_CORES=2", "DISK_SIZE=3G",
                "ARGUMENTS=-qmp unix:/qmp/qmp.sock,server=on,wait=off -snapshot -rtc base=utc");
        assertThat(c.getHostConfig().getCapAdd()).extracting(Object::toString).contains("NET_ADMIN");
        assertThat(c.getMounts()).anySatisfy(m -> {
            assertThat(m.getDestination().getPath()).isEqualTo("/System.qcow2");
            assertThat(m.getSource()).isEqualTo(TestDesktop.guest().toAbsolutePath().toString());
            assertThat(m.getRW()).isFalse();
        }).anySatisfy(m -> assertThat(m.getDestination().getPath()).isEqualTo("/qmp"));
    }

    @Test
    void ports_are_published_on_the_bind_address_with_host_ports_docker_picks() {
        InspectContainerResponse c = launchAndInspect(Map.of());
        Map<ExposedPort, Ports.Binding[]> requested = c.getHostConfig().getPortBindings().getBindings();
        assertThat(requested.keySet()).containsExactlyInAnyOrder(ExposedPort.tcp(5000), ExposedPort.tcp(9222),
                ExposedPort.tcp(8006), ExposedPort.tcp(8080));
        assertThat(requested.values()).allSatisfy(b -> {
            assertThat(b[0].getHostIp()).isEqualTo("127.0.0.1");
            assertThat(b[0].getHostPortSpec()).as("no port chosen by us").isNullOrEmpty();
        });
        assertThat(c.getNetworkSettings().getPorts().getBindings().values()).allSatisfy(b -> {
            assertThat(b[0].getHostIp()).isEqualTo("127.0.0.1");
            assertThat(Integer.parseInt(b[0].getHostPortSpec())).isPositive();
        });
    }

    @Test
    void without_fast_revert_qemu_gets_neither_a_qmp_socket_nor_snapshot_mode() {
        InspectContainerResponse c = launchAndInspect(Map.of("DOCKER_FAST_REVERT", "false"));
        assertThat(c.getConfig().getEnv()).contains("ARGUMENTS=");
        assertThat(c.getMounts()).noneSatisfy(m -> assertThat(m.getDestination().getPath()).isEqualTo("/qmp"));
    }

    @Test
    void kvm_off_runs_software_emulation_without_the_kvm_device() {
        InspectContainerResponse c = launchAndInspect(Map.of("DOCKER_KVM", "off"));
        assertThat(c.getConfig().getEnv()).contains("KVM=N").noneMatch(e -> e.startsWith("CPU_FLAGS="));
        assertThat(devices(c)).doesNotContain("/dev/kvm");
    }

    @Test
    void kvm_on_passes_the_kvm_device_and_drops_the_flag_that_blocks_snapshots() {
        // Not just "/dev/kvm exists": a node that is there but does not work (no kvm module, or one the engine
        // does not see) would fail the container, so this runs only where the auto probe found KVM working.
        assumeTrue(Files.exists(Path.of("/dev/kvm")) && kvmWorksForTheEngine(), "skipped: KVM does not work for the"
                + " Docker engine on this host (" + (Files.exists(Path.of("/dev/kvm")) ? "/dev/kvm exists but the KVM"
                + " probe failed" : "no /dev/kvm") + "), and DOCKER_KVM=on needs it (kvm_on_without_a_kvm_device_stops_the"
                + "_provider_start and DockerDoctorChecksTest.kvm_on_fails_exactly_where_the_auto_probe_finds_kvm_not_working"
                + " cover that case)");
        InspectContainerResponse c = launchAndInspect(Map.of("DOCKER_KVM", "on"));
        assertThat(c.getConfig().getEnv()).contains("KVM=Y", "CPU_FLAGS=-invtsc");
        assertThat(devices(c)).contains("/dev/kvm");
    }

    @Test
    void kvm_on_without_a_kvm_device_stops_the_provider_start() {
        assumeFalse(Files.exists(Path.of("/dev/kvm")), "skipped: this host has /dev/kvm "
                + "(kvm_on_passes_the_kvm_device_and_drops_the_flag_that_blocks_snapshots covers that case)");

        assertThatThrownBy(() -> create(Map.of("DOCKER_KVM", "on")))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.PROVIDER_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("DOCKER_KVM=on", "/dev/kvm does not exist", "DOCKER_KVM=auto");
                });
    }

    @Test
    void kvm_auto_passes_the_device_exactly_when_the_probe_vm_ran_under_kvm() {
        try (DockerProvider provider = create(Map.of("DOCKER_KVM", "auto"))) {
            VmHandle vm = provider.launch("vm-" + UUID.randomUUID().toString().substring(0, 8), provider.baseSpec());
            InspectContainerResponse c = TestDesktop.docker().inspectContainerCmd(vm.backendId()).exec();
            boolean kvm = provider.hardwareAccelerated();
            assertThat(c.getConfig().getEnv()).contains(kvm ? "KVM=Y" : "KVM=N");
            assertThat(devices(c).contains("/dev/kvm")).isEqualTo(kvm);
            assertThat(TestDesktop.docker().listContainersCmd().withShowAll(true)
                    .withLabelFilter(List.of(KvmProbe.PROBE_LABEL)).exec()).as("the probe container is gone").isEmpty();
            provider.destroy(vm);
        }
    }

    /** What DOCKER_KVM=auto finds: a probe container under KVM through the engine. */
    private boolean kvmWorksForTheEngine() {
        try (DockerProvider probe = create(Map.of("DOCKER_KVM", "auto"))) {
            return probe.hardwareAccelerated();
        }
    }

    private InspectContainerResponse launchAndInspect(Map<String, String> settings) {
        try (DockerProvider provider = create(settings)) {
            VmHandle vm = provider.launch("vm-" + UUID.randomUUID().toString().substring(0, 8), provider.baseSpec());
            try {
                return TestDesktop.docker().inspectContainerCmd(vm.backendId()).exec();
            } finally {
                provider.destroy(vm);
            }
        }
    }

    private DockerProvider create(Map<String, String> settings) {
        return (DockerProvider) new DockerProviderFactory().create(
                TestDesktop.context(owner, TestDesktop.settings(settings), stateDir));
    }

    private static List<String> devices(InspectContainerResponse c) {
        Device[] devices = c.getHostConfig().getDevices();
        return devices == null ? List.of() : Arrays.stream(devices).map(Device::getPathOnHost).toList();
    }
}
