package io.deskpool.provider.aws;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.ProviderContext;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.RevertResult;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmLabels;
import io.deskpool.core.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Volume;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The EC2 provider's behaviour against an EC2 emulator; each subclass names one (moto, LocalStack). Readiness
 * probes go to a loopback {@link DesktopStandIn}: the emulator's instance IPs are never contacted.
 */
abstract class Ec2ProviderScenarios {
    /** The emulator these scenarios run against. */
    abstract EmulatorEc2 emulator();

    /** The revert path this emulator must produce, or null when both are right. */
    abstract RevertPath expectedRevertPath();

    @TempDir
    Path stateDir;

    final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    final List<Ec2Provider> providers = new ArrayList<>();
    DesktopStandIn desktop;
    String owner;

    @BeforeEach
    void startDesktopStandIn() {
        desktop = DesktopStandIn.start();
        owner = "test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void terminateEverythingLaunched() {
        List.copyOf(providers).forEach(this::release);
        desktop.close();
    }

    /** Terminates what the provider launched and closes it (before a proxy it talks through goes away). */
    void release(Ec2Provider p) {
        if (providers.remove(p)) {
            try {
                p.listOwned().forEach(p::destroy);
            } finally {
                p.close();
            }
        }
    }

    Map<String, String> settings(Map<String, String> overrides) {
        var map = new HashMap<>(emulator().launchSettings());
        map.put("AWS_READINESS_HOST_OVERRIDE", desktop.address());
        map.put("AWS_SWEEP_INTERVAL_SECONDS", "0");
        map.put("VM_READY_TIMEOUT", "30");
        map.putAll(overrides);
        return map;
    }

    Ec2Provider provider(String ownerId, Map<String, String> overrides) {
        var context = new ProviderContext(ownerId, Settings.of(settings(overrides)), stateDir, clock);
        Ec2Provider p = new Ec2ProviderFactory().create(context, d -> { }, Duration.ofMillis(20));
        providers.add(p);
        return p;
    }

    Ec2Provider provider() {
        return provider(owner, Map.of());
    }

    VmHandle launch(Ec2Provider p, String vmId, Map<String, String> labels) {
        return p.launch(vmId, p.baseSpec().withLabels(labels));
    }

    @Test
    void launch_tags_the_instance_and_its_volume_and_schedules_the_ttl_shutdown() {
        Ec2Provider p = provider();
        Instant expected = clock.instant().plus(Duration.ofMinutes(180));

        VmHandle vm = launch(p, "vm-tags", Map.of(VmLabels.TOKEN, "alpha"));

        Map<String, String> tags = emulator().tags(vm.backendId());
        assertThat(tags).containsEntry(VmLabels.OWNER, owner)
                .containsEntry(VmLabels.VM_ID, "vm-tags")
                .containsEntry(VmLabels.TOKEN, "alpha")
                .containsEntry(VmLabels.EXPIRES_AT, expected.toString())
                .containsEntry("Name", "deskpool-vm-tags");
        assertThat(vm.labels()).isEqualTo(tags);
        Instance instance = emulator().instance(vm.backendId());
        assertThat(instance.instanceTypeAsString()).isEqualTo("t3.xlarge");
        assertThat(instance.imageId()).isEqualTo(emulator().launchSettings().get("AWS_AMI_ID"));
        assertThat(instance.subnetId()).isEqualTo(emulator().launchSettings().get("AWS_SUBNET_ID"));
        assertThat(emulator().shutdownBehavior(vm.backendId())).isEqualTo("terminate");
        assertThat(emulator().userData(vm.backendId()))
                .startsWith("#!/bin/bash")
                .contains("DEADLINE=" + expected.getEpochSecond())
                .contains("shutdown -h");
        List<Volume> volumes = emulator().volumesOf(vm.backendId());
        assertThat(volumes).hasSize(1);
        assertThat(volumes.get(0).volumeTypeAsString()).isEqualTo("gp3");
        assertThat(InstanceTags.toMap(volumes.get(0).tags()))
                .containsEntry(VmLabels.OWNER, owner)
                .containsEntry(VmLabels.VM_ID, "vm-tags")
                .containsEntry(VmLabels.EXPIRES_AT, expected.toString());
    }

    @Test
    void fork_is_refused_as_unsupported_naming_what_ec2_would_need() {
        Ec2Provider p = provider();
        VmHandle vm = launch(p, "vm-fork", Map.of());

        assertThat(p.forkSupport().supported()).isFalse();
        assertThatThrownBy(() -> p.fork(new io.deskpool.core.spi.ForkRequest(vm, java.util.List.of("vm-copy"), Map.of(),
                Duration.ofMinutes(1))))
                .isInstanceOfSatisfying(io.deskpool.core.DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(io.deskpool.core.ErrorCode.UNSUPPORTED_BY_PROVIDER);
                    assertThat(e.getMessage()).contains("AMI");
                });
        p.destroy(vm);
    }

    @Test
    void launch_without_ttl_sets_no_expiry_and_no_user_data() {
        Ec2Provider p = provider(owner, Map.of("ENABLE_TTL", "false"));

        VmHandle vm = launch(p, "vm-no-ttl", Map.of());

        assertThat(emulator().tags(vm.backendId())).doesNotContainKey(VmLabels.EXPIRES_AT);
        assertThat(emulator().instance(vm.backendId()).state().nameAsString()).isIn("pending", "running");
    }

    @Test
    void await_ready_probes_the_stand_in_and_reports_the_instances_private_ip() {
        Ec2Provider p = provider();
        VmHandle vm = launch(p, "vm-ready", Map.of());

        VmHandle ready = p.awaitReady(vm, Duration.ofSeconds(30));

        String privateIp = emulator().instance(vm.backendId()).privateIpAddress();
        assertThat(ready.requireEndpoints().host()).isEqualTo(privateIp).isNotEqualTo("127.0.0.1");
        assertThat(ready.requireEndpoints().serverPort()).isEqualTo(5000);
        assertThat(ready.requireEndpoints().cdpPort()).isEqualTo(9222);
        assertThat(ready.requireEndpoints().vncPort()).isEqualTo(InstanceReadiness.AMI_VNC_PORT);
        assertThat(desktop.hits()).contains("/screenshot", "/json/version");
    }

    @Test
    void list_owned_finds_this_owners_live_instances_only() {
        Ec2Provider mine = provider();
        Ec2Provider theirs = provider("other-" + owner, Map.of());
        VmHandle kept = launch(mine, "vm-kept", Map.of());
        VmHandle gone = launch(mine, "vm-gone", Map.of());
        VmHandle foreign = launch(theirs, "vm-foreign", Map.of());

        mine.destroy(gone);

        assertThat(mine.listOwned()).extracting(VmHandle::id).containsExactly("vm-kept");
        assertThat(mine.listOwned()).extracting(VmHandle::backendId).containsExactly(kept.backendId());
        assertThat(mine.listForeign()).extracting(VmHandle::backendId).contains(foreign.backendId())
                .doesNotContain(kept.backendId());
    }

    @Test
    void destroy_terminates_the_instance_and_a_second_destroy_is_no_error() {
        Ec2Provider p = provider();
        VmHandle vm = launch(p, "vm-destroy", Map.of());

        p.destroy(vm);
        p.destroy(vm);
        p.destroy(vm.withBackendId("i-0123456789abcdef0"));

        assertThat(emulator().state(vm.backendId())).isIn("shutting-down", "terminated");
        assertThat(p.listOwned()).isEmpty();
    }

    @Test
    void sweeper_terminates_instances_past_their_expiry_and_spares_the_others() {
        Ec2Provider p = provider();
        VmHandle old = launch(p, "vm-old", Map.of());
        clock.advance(Duration.ofMinutes(181));
        VmHandle young = launch(p, "vm-young", Map.of());

        List<SweptInstance> swept = p.sweepExpired();

        assertThat(swept).extracting(SweptInstance::instanceId).contains(old.backendId())
                .doesNotContain(young.backendId());
        assertThat(swept).filteredOn(s -> s.instanceId().equals(old.backendId()))
                .singleElement().satisfies(s -> {
                    assertThat(s.vmId()).isEqualTo("vm-old");
                    assertThat(s.owner()).isEqualTo(owner);
                });
        assertThat(emulator().state(old.backendId())).isIn("shutting-down", "terminated");
        assertThat(emulator().state(young.backendId())).isIn("pending", "running");
    }

    @Test
    void revert_brings_back_the_launch_image_and_says_which_path_it_took() {
        Ec2Provider p = provider();
        VmHandle ready = p.awaitReady(launch(p, "vm-revert", Map.of(VmLabels.TOKEN, "alpha")), Duration.ofSeconds(30));
        desktop.clearHits();

        RevertResult result = p.revert(ready, p.defaultSnapshot());

        if (expectedRevertPath() != null) {
            assertThat(result.path()).isEqualTo(expectedRevertPath());
        }
        VmHandle after = result.vm();
        assertThat(after.id()).isEqualTo("vm-revert");
        assertThat(after.endpoints()).isPresent();
        assertThat(desktop.hits()).as("readiness probed again after the revert").contains("/screenshot");
        if (result.path() == RevertPath.RECREATED) {
            assertThat(after.backendId()).isNotEqualTo(ready.backendId());
            assertThat(emulator().state(ready.backendId())).isIn("shutting-down", "terminated");
            assertThat(emulator().tags(after.backendId())).containsEntry(VmLabels.VM_ID, "vm-revert")
                    .containsEntry(VmLabels.TOKEN, "alpha").containsEntry(VmLabels.OWNER, owner);
        } else {
            assertThat(result.path()).isEqualTo(RevertPath.ROOT_VOLUME_REPLACED);
            assertThat(after.backendId()).isEqualTo(ready.backendId());
            assertThat(after.endpoints()).isEqualTo(ready.endpoints());
        }
        assertThat(p.listOwned()).extracting(VmHandle::backendId).containsExactly(after.backendId());
    }

    @Test
    void revert_to_an_unknown_snapshot_fails_as_unknown_snapshot() {
        Ec2Provider p = provider();
        VmHandle vm = launch(p, "vm-snap", Map.of());

        assertThatThrownBy(() -> p.revert(vm, "my-snapshot"))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_SNAPSHOT);
                    assertThat(e.getMessage()).contains("launch-image", "ami-");
                });
    }

    @Test
    void failed_launch_leaves_no_instance_behind() {
        Ec2Provider p = provider(owner, Map.of("AWS_SUBNET_ID", "subnet-0123456789abcdef0"));

        assertThatThrownBy(() -> launch(p, "vm-bad-subnet", Map.of()))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SETTING);
                    assertThat(e.details()).containsEntry("aws_code", "InvalidSubnetID.NotFound")
                            .containsKey("hint");
                    assertThat(e.getMessage()).contains("AWS_SUBNET_ID");
                });
        assertThat(emulator().notTerminatedWithVmId("vm-bad-subnet")).isEmpty();
        assertThat(p.listOwned()).isEmpty();
    }

    @Test
    void an_ami_the_region_does_not_have_fails_startup_with_the_aws_code_and_a_hint() {
        assertThatThrownBy(() -> provider(owner, Map.of("AWS_AMI_ID", "ami-0d23263edb96951d8")))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SETTING);
                    assertThat(e.details()).containsEntry("aws_code", "InvalidAMIID.NotFound");
                    assertThat(e.details().get("hint")).contains("AWS_AMI_ID");
                });
    }

    @Test
    void an_instance_type_ec2_does_not_know_fails_startup_naming_the_setting() {
        assertThatThrownBy(() -> provider(owner, Map.of("AWS_INSTANCE_TYPE", "t3.enormous")))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SETTING);
                    assertThat(e.getMessage()).contains("AWS_INSTANCE_TYPE");
                });
    }

    @Test
    void base_spec_reports_the_instance_types_cpus_and_memory_and_the_images_root_size() {
        Ec2Provider p = provider();

        assertThat(p.baseSpec().cpus()).isEqualTo(4);
        assertThat(p.baseSpec().memoryMb()).isEqualTo(16384);
        assertThat(p.baseSpec().image()).isEqualTo(emulator().launchSettings().get("AWS_AMI_ID"));
        assertThat(p.baseSpec().diskGb()).isPositive();
    }
}
