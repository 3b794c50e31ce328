package io.deskpool.provider.qemu;

import io.deskpool.core.spi.VmHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a server killed at the wrong moment leaves on disk is cleared by the next one, processes included. The
 * chaos soak found QEMUs running after the final stop: the server was killed while it rebooted a VM, so vm.json
 * still named the old, dead QEMU while the new one ran; the restarted server removed the VM's files as leftovers
 * and looked for a process only by vm.json's pid.
 */
class QemuLeftoversTest {
    private static final String OWNER = "leftovers-test";

    @TempDir
    Path stateDir;
    private long qemuPid;

    @AfterEach
    void kill_what_the_test_left() {
        ProcessHandle.of(qemuPid).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void a_vm_whose_record_names_a_dead_qemu_while_a_newer_one_runs_is_removed_with_that_qemu() throws Exception {
        QemuProvider first = TestProviders.create(OWNER, stateDir);
        VmHandle vm = first.launch("vm-rebooting", first.baseSpec());
        Path dir = first.vmDirectory(vm.id());
        qemuPid = Long.parseLong(Files.readString(dir.resolve("qemu.pid")).strip());
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        VmRecord record = VmRecord.readFrom(dir.resolve("vm.json"));
        new VmRecord(record.vmId(), record.owner(), record.labels(), record.createdAt(), gone.pid(), record.image(),
                record.memoryMb(), record.cpus(), record.diskGb(), record.accelerator(), record.bindAddress(),
                record.restrictNetwork(), record.network(), record.host(), record.serverPort(), record.cdpPort(),
                record.vlcPort(), record.vncPort(), record.snapshot(), record.disk(), record.memory(),
                record.memoryShared()).writeTo(dir.resolve("vm.json"));

        QemuProvider restarted = TestProviders.create(OWNER, stateDir);

        assertThat(restarted.listOwned()).isEmpty();
        assertThat(dir).doesNotExist();
        assertThat(ProcState.awaitExit(qemuPid, java.time.Duration.ofSeconds(10)))
                .as("the QEMU named by the pid file is stopped").isTrue();
    }
}
