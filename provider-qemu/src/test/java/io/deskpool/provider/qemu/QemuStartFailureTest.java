package io.deskpool.provider.qemu;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.spi.VmHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A QEMU that started but could not be recorded (vm.json cannot be written, as on a full disk) is stopped, not
 * left running: found by the chaos run, where a reboot on a full state directory left such a QEMU behind.
 */
class QemuStartFailureTest {
    @TempDir
    Path tmp;

    @Test
    void a_reboot_whose_record_cannot_be_written_leaves_no_qemu_running() throws Exception {
        Path counter = tmp.resolve("starts");
        Path qemu = tmp.resolve("bin").resolve("qemu-system-x86_64");
        Files.createDirectories(qemu.getParent());
        // From its second start on (the reboot), a directory sits where vm.json's temporary file must go.
        Files.writeString(qemu, "#!/bin/sh\nn=$(cat " + counter + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > "
                + counter + "\nif [ $n -ge 2 ]; then mkdir -p vm.json.tmp/blocked; fi\nexec qemu-system-x86_64 \"$@\"\n");
        Files.setPosixFilePermissions(qemu, PosixFilePermissions.fromString("rwxr-xr-x"));
        QemuProvider provider = TestProviders.create("start-failure", tmp.resolve("state"), Clock.systemUTC(),
                Map.of("QEMU_BINARY", qemu.toString(), "QEMU_ACCEL", "tcg"));
        VmHandle vm = provider.launch("vm-unrecorded", provider.baseSpec());
        Path vmDir = provider.vmDirectory("vm-unrecorded");

        assertThatThrownBy(() -> provider.revert(vm, provider.defaultSnapshot()))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.REVERT_FAILED));

        assertThat(qemuProcessesOf(vmDir)).as("QEMU processes still running the VM's overlay").isEmpty();
    }

    private static java.util.List<Long> qemuProcessesOf(Path vmDir) {
        return ProcessHandle.allProcesses()
                .filter(p -> ProcState.alive(p.pid()))
                .filter(p -> {
                    String cmd = ProcState.commandLine(p.pid());
                    return cmd.contains("qemu-system") && cmd.contains(vmDir.toString());
                })
                .map(ProcessHandle::pid).toList();
    }
}
