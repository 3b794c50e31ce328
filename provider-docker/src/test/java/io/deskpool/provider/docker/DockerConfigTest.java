package io.deskpool.provider.docker;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.provider.ProviderRegistry;
import io.deskpool.core.settings.Setting;
import io.deskpool.core.settings.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The docker provider's settings: defaults, and bad values named in the error. */
class DockerConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaults_follow_osworld_and_publish_on_loopback() throws IOException {
        DockerConfig config = DockerConfig.from(settings(Map.of()));
        assertThat(config.image()).isEqualTo("happysixd/osworld-docker");
        assertThat(config.memoryMb()).isEqualTo(4096);
        assertThat(config.cpus()).isEqualTo(4);
        assertThat(config.diskGb()).isEqualTo(32);
        assertThat(config.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(config.endpointHost()).isEqualTo("127.0.0.1");
        assertThat(config.fastRevert()).isTrue();
        assertThat(config.kvm()).isEqualTo(DockerConfig.KvmMode.AUTO);
        assertThat(config.readyTimeout()).isEqualTo(DockerConfig.DEFAULT_READY_TIMEOUT);
        assertThat(config.pathToVm()).isAbsolute();
        assertThat(DockerConfig.ramSize(config.memoryMb())).isEqualTo("4G");
        assertThat(DockerConfig.ramSize(768)).isEqualTo("768M");
    }

    @Test
    void a_wildcard_bind_address_is_reached_at_loopback() throws IOException {
        DockerConfig config = DockerConfig.from(settings(Map.of("DOCKER_BIND_ADDRESS", "0.0.0.0")));
        assertThat(config.endpointHost()).isEqualTo("127.0.0.1");
    }

    @Test
    void the_lower_case_path_to_vm_of_osworld_is_honoured() throws IOException {
        Path qcow2 = Files.createFile(dir.resolve("other.qcow2"));
        var values = new HashMap<>(Map.of("path_to_vm", qcow2.toString()));
        assertThat(DockerConfig.from(Settings.of(values)).pathToVm()).isEqualTo(qcow2);
        assertThat(DockerConfig.from(settings(Map.of("VM_READY_TIMEOUT", "42"))).readyTimeout())
                .isEqualTo(Duration.ofSeconds(42));
    }

    @Test
    void a_missing_path_to_vm_is_an_invalid_setting_naming_it() {
        assertInvalid(Settings.of(Map.of()), "PATH_TO_VM");
        assertInvalid(Settings.of(Map.of("PATH_TO_VM", dir.resolve("nope.qcow2").toString())), "PATH_TO_VM");
    }

    @Test
    void bad_values_are_invalid_settings_naming_them() throws IOException {
        assertInvalid(settings(Map.of("DOCKER_KVM", "maybe")), "DOCKER_KVM");
        assertInvalid(settings(Map.of("RAM_SIZE", "lots")), "RAM_SIZE");
        assertInvalid(settings(Map.of("CPU_CORES", "0")), "CPU_CORES");
        assertInvalid(settings(Map.of("DOCKER_FAST_REVERT", "sometimes")), "DOCKER_FAST_REVERT");
        assertInvalid(settings(Map.of("DOCKER_HOST", "not a uri ::")), "DOCKER_HOST");
    }

    @Test
    void the_factory_is_found_by_name_and_declares_every_setting_it_reads() {
        var factory = ProviderRegistry.load().select("docker");
        assertThat(factory).isInstanceOf(DockerProviderFactory.class);
        assertThat(factory.settings()).extracting(Setting::name).contains("DOCKER_HOST", "DOCKER_IMAGE",
                "DOCKER_BIND_ADDRESS", "DOCKER_FAST_REVERT", "DOCKER_KVM", "PATH_TO_VM", "RAM_SIZE", "CPU_CORES",
                "DISK_SIZE", "VM_READY_TIMEOUT").doesNotHaveDuplicates();
    }

    private Settings settings(Map<String, String> overrides) throws IOException {
        Path qcow2 = dir.resolve("disk.qcow2");
        if (!Files.exists(qcow2)) {
            Files.createFile(qcow2);
        }
        var values = new HashMap<String, String>(Map.of("PATH_TO_VM", qcow2.toString()));
        values.putAll(overrides);
        return Settings.of(values);
    }

    private static void assertInvalid(Settings settings, String name) {
        assertThatThrownBy(() -> {
            DockerConfig config = DockerConfig.from(settings);
            DockerEngine.connect(config).close();
        }).isInstanceOfSatisfying(DeskpoolException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SETTING);
            assertThat(e.getMessage()).contains(name);
        });
    }

    @Test
    void kvm_on_is_refused_at_start_when_the_local_host_has_no_kvm_device(@TempDir Path dir) throws Exception {
        DockerConfig on = DockerConfig.from(settings(Map.of("DOCKER_KVM", "on")));

        assertThatThrownBy(() -> DockerProviderFactory.requireKvmDeviceWhenForced(on, "unix:///var/run/docker.sock",
                dir.resolve("kvm"))).isInstanceOf(DeskpoolException.class).hasMessageContaining("DOCKER_KVM=on");
    }

    @Test
    void kvm_on_starts_when_the_device_exists_or_the_engine_is_remote(@TempDir Path dir) throws Exception {
        DockerConfig on = DockerConfig.from(settings(Map.of("DOCKER_KVM", "on")));
        Path device = Files.createFile(dir.resolve("kvm"));

        DockerProviderFactory.requireKvmDeviceWhenForced(on, "unix:///var/run/docker.sock", device);
        DockerProviderFactory.requireKvmDeviceWhenForced(on, "tcp://10.0.0.5:2376", dir.resolve("missing"));
    }

    @Test
    void kvm_auto_never_needs_the_device(@TempDir Path dir) throws Exception {
        DockerConfig auto = DockerConfig.from(settings(Map.of("DOCKER_KVM", "auto")));

        DockerProviderFactory.requireKvmDeviceWhenForced(auto, "unix:///var/run/docker.sock", dir.resolve("missing"));
    }
}
