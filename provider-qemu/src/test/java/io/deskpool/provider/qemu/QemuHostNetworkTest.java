package io.deskpool.provider.qemu;

import io.deskpool.core.spi.ForkRequest;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.RevertResult;
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

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * QEMU_GUEST_NETWORK=host (QEMU's own user networking, with IPv6): a revert and a fork replace the SLIRP backend
 * like on the isolated network, and the guest must still be reachable afterwards. Until the replacement named IPv4
 * too, QEMU made it IPv6-only, every revert on this network timed out on its first guest request and fell back to a
 * reboot (about 70 s each), and every fork failed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QemuHostNetworkTest {
    private static final Duration READY = Duration.ofSeconds(120);

    @TempDir
    static Path stateDir;

    private QemuProvider provider;
    private VmHandle vm;
    private long pid;
    private final List<VmHandle> copies = new ArrayList<>();

    @BeforeAll
    void launch_a_vm_on_the_host_network() throws Exception {
        provider = TestProviders.create("host-network-test", stateDir, Clock.systemUTC(),
                Map.of("QEMU_GUEST_NETWORK", "host"));
        vm = provider.awaitReady(provider.launch("vm-host-net", provider.baseSpec()), READY);
        pid = VmRecord.readFrom(provider.vmDirectory("vm-host-net").resolve("vm.json")).pid();
    }

    @AfterAll
    void remove_every_vm() {
        if (provider != null) {
            copies.forEach(provider::destroy);
            if (vm != null) {
                provider.destroy(vm);
            }
        }
    }

    @Test
    @Order(1)
    void a_revert_loads_the_snapshot_in_place_and_the_guest_answers_after_it() throws Exception {
        assertThat(GuestCalls.shell(vm.requireEndpoints(), "echo dirty > /home/user/marker").returncode()).isZero();

        RevertResult result = provider.revert(vm, provider.defaultSnapshot());

        assertThat(result.path()).as("loaded in place, not rebooted").isEqualTo(RevertPath.SNAPSHOT);
        VmEndpoints after = result.vm().requireEndpoints();
        assertThat(GuestCalls.shell(after, "test -e /home/user/marker").returncode()).isEqualTo(1);
        assertThat(GuestCalls.getStatus(after, after.serverPort(), "/screenshot")).isEqualTo(200);
        assertThat(ProcessHandle.of(pid)).as("same QEMU process").isPresent();
        vm = result.vm();
    }

    @Test
    @Order(2)
    void a_fork_gives_copies_whose_guests_answer_with_the_parents_files() throws Exception {
        assertThat(GuestCalls.shell(vm.requireEndpoints(), "echo prepared > /home/user/setup.txt").returncode())
                .isZero();

        copies.addAll(provider.fork(new ForkRequest(vm, List.of("copy-host-net"), Map.of(), READY)));

        assertThat(copies).hasSize(1);
        VmEndpoints copy = copies.get(0).requireEndpoints();
        assertThat(GuestCalls.shell(copy, "cat /home/user/setup.txt").output()).isEqualTo("prepared\n");
        assertThat(GuestCalls.shell(vm.requireEndpoints(), "cat /home/user/setup.txt").output())
                .as("the parent runs on").isEqualTo("prepared\n");
    }
}
