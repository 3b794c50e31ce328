package io.deskpool.provider.vmware;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.RevertResult;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmLabels;
import io.deskpool.core.spi.VmSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * The provider against the stand-in vmrun (a script, not VMware: VMware cannot run on this machine) and
 * stand-in guest services on 127.0.0.1. What vmrun received is checked from the stand-in's call log.
 */
class VmwareProviderTest {
    @TempDir
    Path tmp;

    private VmwareTestBed bed;
    private VmrunStandin vmrun;

    @BeforeEach
    void setUp() throws IOException {
        bed = VmwareTestBed.in(tmp);
        vmrun = bed.vmrun;
    }

    @AfterEach
    void tearDown() throws IOException {
        bed.close();
    }

    private VmSpec spec(VmwareProvider provider) {
        return provider.baseSpec().withLabels(Map.of(VmLabels.TOKEN, "alpha"));
    }

    private String a() {
        return bed.vmxA.toString();
    }

    @Test
    void launch_ready_revert_destroy_drive_vmrun_as_documented() throws IOException {
        VmwareProvider provider = bed.provider(bed.settings());

        VmHandle launched = provider.launch("vm-1", spec(provider));
        assertThat(launched.backendId()).isEqualTo(a());
        assertThat(launched.provider()).isEqualTo("vmware");
        assertThat(launched.endpoints()).isEmpty();
        assertThat(launched.labels()).containsEntry(VmLabels.OWNER, VmwareTestBed.OWNER)
                .containsEntry(VmLabels.VM_ID, "vm-1").containsEntry(VmLabels.TOKEN, "alpha");
        assertThat(vmrun.poweredOn(bed.vmxA)).isTrue();

        VmHandle ready = provider.awaitReady(launched, Duration.ofSeconds(30));
        VmEndpoints endpoints = ready.requireEndpoints();
        assertThat(endpoints.host()).isEqualTo("127.0.0.1");
        assertThat(endpoints.serverPort() + "," + endpoints.cdpPort() + ",0,0").isEqualTo(bed.guest.portsSetting());
        assertThat(bed.guest.requests.get()).as("the desktop probes ran against the guest IP").isPositive();
        assertThat(vmrun.snapshots(bed.vmxA)).containsExactly("init_state");

        RevertResult reverted = provider.revert(ready, "init_state");
        assertThat(reverted.path()).isEqualTo(RevertPath.SNAPSHOT);
        assertThat(reverted.vm().requireEndpoints()).isEqualTo(endpoints);
        assertThat(vmrun.poweredOn(bed.vmxA)).as("a snapshot of a running VM resumes it running").isTrue();

        provider.destroy(reverted.vm());
        assertThat(vmrun.poweredOn(bed.vmxA)).isFalse();
        assertThat(provider.listOwned()).isEmpty();
        assertThat(bed.vmxA).as("the .vmx belongs to the user and stays").exists();

        assertThat(vmrun.callsOtherThanList()).containsExactly(
                "-T ws listSnapshots " + a(),
                "-T ws start " + a() + " nogui",
                "-T ws getGuestIPAddress " + a() + " -wait",
                "-T ws listSnapshots " + a(),
                "-T ws snapshot " + a() + " init_state",
                "-T ws listSnapshots " + a(),
                "-T ws revertToSnapshot " + a() + " init_state",
                "-T ws getGuestIPAddress " + a() + " -wait",
                "-T ws stop " + a() + " hard");
        assertThat(vmrun.listCalls()).as("power states come from vmrun list").isPositive();
        assertThat(vmrun.misuse()).isEmpty();
    }

    @Test
    void a_snapshot_taken_powered_off_is_restored_at_launch_and_the_vm_started_after_each_revert() throws Exception {
        vmrun.run("-T", "ws", "snapshot", a(), "init_state");
        vmrun.clearCalls();
        VmwareProvider provider = bed.provider(bed.settings(VmwareSettings.HEADLESS.name(), "false"));

        VmHandle ready = provider.awaitReady(provider.launch("vm-1", spec(provider)), Duration.ofSeconds(30));
        provider.revert(ready, "init_state");

        assertThat(vmrun.poweredOn(bed.vmxA)).isTrue();
        assertThat(vmrun.callsOtherThanList()).containsExactly(
                "-T ws listSnapshots " + a(),
                "-T ws revertToSnapshot " + a() + " init_state",
                "-T ws start " + a() + " gui",
                "-T ws getGuestIPAddress " + a() + " -wait",
                "-T ws listSnapshots " + a(),
                "-T ws listSnapshots " + a(),
                "-T ws revertToSnapshot " + a() + " init_state",
                "-T ws start " + a() + " gui",
                "-T ws getGuestIPAddress " + a() + " -wait");
        assertThat(vmrun.misuse()).isEmpty();
    }

    @Test
    void fork_is_refused_as_unsupported_naming_the_linked_clone_it_would_take() throws IOException {
        VmwareProvider provider = bed.provider(bed.settings());
        vmrun.clearCalls();
        var parent = new io.deskpool.core.spi.VmHandle("vm-a", "vmware", a(), java.util.Optional.empty(), Map.of(),
                java.time.Instant.EPOCH);

        assertThat(provider.forkSupport().supported()).isFalse();
        assertThatThrownBy(() -> provider.fork(new io.deskpool.core.spi.ForkRequest(parent, java.util.List.of("vm-b"),
                Map.of(), java.time.Duration.ofMinutes(1))))
                .isInstanceOfSatisfying(io.deskpool.core.DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(io.deskpool.core.ErrorCode.UNSUPPORTED_BY_PROVIDER);
                    assertThat(e.getMessage()).contains("linked clone");
                });
        assertThat(vmrun.calls()).as("nothing was asked of vmrun").isEmpty();
    }

    @Test
    void an_error_line_from_getGuestIPAddress_is_never_taken_for_an_ip() throws IOException {
        // Exit code 0 on purpose: OSWorld returned vmrun's output as the IP whatever it said (OSWorld #151).
        vmrun.fail("getGuestIPAddress", "Error: Unable to get the IP address", 0);
        VmwareProvider provider = bed.provider(bed.settings());
        VmHandle launched = provider.launch("vm-1", spec(provider));

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> provider.awaitReady(launched, Duration.ofSeconds(3)));

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.READY_TIMEOUT);
        assertThat(e.getMessage()).contains("vm-1").contains("no guest IP address")
                .contains("Error: Unable to get the IP address");
        assertThat(e.details()).containsEntry("vmrun_message", "Error: Unable to get the IP address");
        assertThat(bed.guest.requests.get()).as("nothing was probed at a made-up address").isZero();
    }

    @Test
    void the_guest_ip_is_asked_again_until_vmware_tools_answer() throws IOException {
        VmwareProvider provider = bed.provider(bed.settings());
        VmHandle launched = provider.launch("vm-1", spec(provider));
        vmrun.failTimes("getGuestIPAddress",
                "Error: The VMware Tools are not running in the virtual machine: " + a(), 255, 1);

        VmHandle ready = provider.awaitReady(launched, Duration.ofSeconds(30));

        assertThat(ready.requireEndpoints().host()).isEqualTo("127.0.0.1");
        assertThat(vmrun.callsOtherThanList()).filteredOn(c -> c.contains("getGuestIPAddress")).hasSize(2);
    }

    @Test
    void waiting_for_the_ip_of_a_powered_off_vm_fails_at_once_with_vmruns_message() throws Exception {
        VmwareProvider provider = bed.provider(bed.settings());
        VmHandle launched = provider.launch("vm-1", spec(provider));
        vmrun.run("-T", "ws", "stop", a(), "hard");

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> provider.awaitReady(launched, Duration.ofSeconds(300)));

        assertThat(e.code()).isEqualTo(ErrorCode.BOOT_FAILED);
        assertThat(e.getMessage()).contains("is not powered on")
                .contains("Error: The virtual machine is not powered on: " + a());
    }

    @Test
    void a_hung_vmrun_is_killed_at_its_deadline_with_a_typed_error() throws IOException {
        vmrun.hang("start");
        VmwareProvider provider = bed.provider(bed.settings(VmwareSettings.VMRUN_TIMEOUT.name(), "1"));

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> provider.launch("vm-1", spec(provider)));

        assertThat(e.code()).isEqualTo(ErrorCode.BOOT_FAILED);
        assertThat(e.getMessage()).contains("vmrun start hung and was killed after 1.0 s").contains(a());
        assertThat(e.details()).containsEntry("vmrun_command", "start").containsEntry("vmrun_killed_after_seconds", "1.0");
        List<Long> pids = vmrun.hungPids("start");
        assertThat(pids).as("the stand-in's pid and its child's").hasSize(2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(pids).noneMatch(VmrunStandin::alive));
        assertThat(provider.listOwned()).as("the failed launch left no claim behind").isEmpty();
    }

    @Test
    void vmrun_errors_become_typed_errors_carrying_vmruns_message() throws IOException {
        vmrun.fail("start", "Error: Insufficient permissions in host operating system", 255);
        VmwareProvider provider = bed.provider(bed.settings());

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> provider.launch("vm-1", spec(provider)));

        assertThat(e.code()).isEqualTo(ErrorCode.BOOT_FAILED);
        assertThat(e.getMessage()).isEqualTo("vmrun start " + a() + " nogui failed: "
                + "Error: Insufficient permissions in host operating system");
        assertThat(e.details()).containsEntry("vmrun_command", "start").containsEntry("vmrun_exit_code", "255")
                .containsEntry("vmrun_message", "Error: Insufficient permissions in host operating system");
        assertThat(provider.listOwned()).as("the failed launch left no claim behind").isEmpty();
    }

    @Test
    void revert_to_an_unknown_snapshot_fails_with_unknown_snapshot() throws IOException {
        VmwareProvider provider = bed.provider(bed.settings());
        VmHandle ready = provider.awaitReady(provider.launch("vm-1", spec(provider)), Duration.ofSeconds(30));

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class, () -> provider.revert(ready, "nope"));

        assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_SNAPSHOT);
        assertThat(e.getMessage()).contains("has no snapshot 'nope'").contains("it has: init_state");
        assertThat(vmrun.callsOtherThanList()).noneMatch(c -> c.contains("revertToSnapshot"));
    }

    @Test
    void a_restarted_provider_finds_its_claimed_vms_in_the_state_dir() throws IOException {
        VmwareProvider first = bed.provider(bed.settings());
        first.awaitReady(first.launch("vm-1", spec(first)), Duration.ofSeconds(30));
        first.launch("vm-2", spec(first));
        first.close();

        VmwareProvider restarted = bed.provider(bed.settings());
        List<VmHandle> owned = restarted.listOwned();

        assertThat(owned).extracting(VmHandle::id).containsExactlyInAnyOrder("vm-1", "vm-2");
        assertThat(owned).extracting(VmHandle::backendId).containsExactlyInAnyOrder(a(), bed.vmxB.toString());
        assertThat(owned).allSatisfy(h -> assertThat(h.labels()).containsEntry(VmLabels.OWNER, VmwareTestBed.OWNER)
                .containsEntry(VmLabels.TOKEN, "alpha"));
        assertThat(owned).allSatisfy(h -> assertThat(vmrun.poweredOn(Path.of(h.backendId()))).isTrue());

        VmwareProvider otherServer = bed.provider(bed.settings(), "server-b", "Linux");
        assertThat(otherServer.listOwned()).isEmpty();
        assertThat(otherServer.listForeign()).extracting(VmHandle::id).containsExactlyInAnyOrder("vm-1", "vm-2");

        // What the pool does with adopted VMs: revert them (or destroy them).
        VmHandle adopted = owned.stream().filter(h -> h.id().equals("vm-1")).findFirst().orElseThrow();
        assertThat(restarted.revert(adopted, "init_state").vm().endpoints()).isPresent();
        owned.forEach(restarted::destroy);
        assertThat(restarted.listOwned()).isEmpty();
        assertThat(vmrun.poweredOn(bed.vmxA) || vmrun.poweredOn(bed.vmxB)).isFalse();
    }

    @Test
    void launch_fails_with_cloud_capacity_when_every_vmx_is_claimed_or_running_outside_deskpool() throws Exception {
        vmrun.run("-T", "ws", "start", bed.vmxB.toString(), "gui");
        vmrun.clearCalls();
        VmwareProvider provider = bed.provider(bed.settings());
        assertThat(provider.launch("vm-1", spec(provider)).backendId()).isEqualTo(a());

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> provider.launch("vm-2", spec(provider)));

        assertThat(e.code()).isEqualTo(ErrorCode.CLOUD_CAPACITY);
        assertThat(e.getMessage()).contains("all 2 configured .vmx are in use (1 claimed by Deskpool VMs, 1 running"
                + " outside Deskpool");
        assertThat(provider.listOwned()).extracting(VmHandle::id).containsExactly("vm-1");
        assertThat(vmrun.poweredOn(bed.vmxB)).as("a VM someone else runs is left alone").isTrue();
        assertThat(vmrun.callsOtherThanList()).noneMatch(c -> c.contains(bed.vmxB.toString()));
    }

    @Test
    void a_spec_image_picks_one_of_the_configured_vmx() throws IOException {
        VmwareProvider provider = bed.provider(bed.settings());

        VmHandle onB = provider.launch("vm-1", spec(provider).withImage(bed.vmxB.toString()));
        DeskpoolException busy = catchThrowableOfType(DeskpoolException.class,
                () -> provider.launch("vm-2", spec(provider).withImage(bed.vmxB.toString())));
        DeskpoolException foreign = catchThrowableOfType(DeskpoolException.class,
                () -> provider.launch("vm-3", spec(provider).withImage(tmp.resolve("elsewhere.vmx").toString())));

        assertThat(onB.backendId()).isEqualTo(bed.vmxB.toString());
        assertThat(busy.code()).isEqualTo(ErrorCode.CLOUD_CAPACITY);
        assertThat(busy.getMessage()).contains("claimed by VM vm-1");
        assertThat(foreign.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(provider.listOwned()).extracting(VmHandle::id).containsExactly("vm-1");
    }

    @Test
    void destroying_a_vm_that_is_already_gone_is_not_an_error() throws IOException {
        VmwareProvider provider = bed.provider(bed.settings());
        VmHandle vm = provider.launch("vm-1", spec(provider));
        provider.destroy(vm);
        vmrun.clearCalls();

        provider.destroy(vm);

        assertThat(vmrun.callsOtherThanList()).isEmpty();
        assertThat(provider.listOwned()).isEmpty();
    }

    @Test
    void a_vm_powered_off_behind_deskpools_back_is_destroyed_without_error() throws Exception {
        VmwareProvider provider = bed.provider(bed.settings());
        VmHandle vm = provider.launch("vm-1", spec(provider));
        vmrun.run("-T", "ws", "stop", a(), "hard");

        provider.destroy(vm);

        assertThat(provider.listOwned()).isEmpty();
        assertThat(Files.list(bed.stateDir.resolve("vmware").resolve("claims"))).isEmpty();
    }

    @Test
    void on_macos_vmrun_is_called_with_T_fusion() throws IOException {
        VmwareProvider provider = bed.provider(bed.settings(), VmwareTestBed.OWNER, "Mac OS X");

        provider.launch("vm-1", spec(provider));

        assertThat(vmrun.calls()).isNotEmpty().allSatisfy(c -> assertThat(c.subList(0, 2)).containsExactly("-T", "fusion"));
    }
}
