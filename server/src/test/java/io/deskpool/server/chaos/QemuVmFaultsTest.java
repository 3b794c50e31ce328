package io.deskpool.server.chaos;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code leftover_vms} check on QEMU: a real QEMU (an empty machine, {@code -M none}, paused) started with its
 * pid file in a VM directory of the state directory, as the provider starts its VMs, is found after the final stop;
 * once it is gone, or when it belongs to another state directory, nothing is.
 */
class QemuVmFaultsTest {
    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopQemus() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A QEMU the way the provider runs a VM's: its pid file in {@code STATE_DIR/qemu/<vm id>/}; waits until it runs. */
    private Process qemuOf(Path stateDir, String vmId) throws Exception {
        Path vmDir = Files.createDirectories(stateDir.resolve("qemu").resolve(vmId));
        Path pidFile = vmDir.resolve("qemu.pid");
        Process p = new ProcessBuilder("qemu-system-x86_64", "-M", "none", "-display", "none", "-nodefaults", "-S",
                "-name", vmId, "-pidfile", pidFile.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        for (int i = 0; i < 300 && !Files.exists(pidFile); i++) {
            assertThat(p.isAlive()).as("QEMU started (apt-get install qemu-system-x86)").isTrue();
            Thread.sleep(100);
        }
        assertThat(pidFile).exists();
        return p;
    }

    @Test
    void a_qemu_of_the_server_still_running_after_the_stop_is_a_leftover() throws Exception {
        Path state = tmp.resolve("state");
        Process qemu = qemuOf(state, "vm-1");

        List<String> leftovers = new QemuVmFaults(state).leftovers();

        assertThat(leftovers).singleElement().asString().startsWith("QEMU pid " + qemu.pid() + ": ")
                .contains(state.resolve("qemu").resolve("vm-1").toString());
    }

    @Test
    void a_qemu_that_is_gone_is_no_leftover() throws Exception {
        Path state = tmp.resolve("state");
        Process qemu = qemuOf(state, "vm-1");
        qemu.destroy();
        assertThat(qemu.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(new QemuVmFaults(state).leftovers()).isEmpty();
    }

    @Test
    void a_qemu_of_another_state_directory_is_not_this_servers_leftover() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("state"));
        qemuOf(tmp.resolve("state-2"), "vm-1");

        assertThat(new QemuVmFaults(state).leftovers()).isEmpty();
        assertThat(new QemuVmFaults(tmp.resolve("state-2")).leftovers()).hasSize(1);
    }
}
