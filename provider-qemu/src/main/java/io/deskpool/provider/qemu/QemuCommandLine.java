package io.deskpool.provider.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of one VM. The BIOS boots the overlay; the base image behind it is opened read-only by QEMU.
 * Nothing is attached that would block an internal snapshot: the overlay is the only writable drive and qcow2.
 */
final class QemuCommandLine {
    private QemuCommandLine() {
    }

    static List<String> build(Path binary, QemuConfig config, Accelerator accel, String vmId, int memoryMb, int cpus,
                              VmDirectory dir, List<String> networkArgs, List<String> runArgs) {
        var a = new ArrayList<String>();
        a.add(binary.toString());
        a.addAll(List.of("-name", "deskpool-" + vmId));
        a.addAll(List.of("-machine", config.machine()));
        a.addAll(accel.args(config.cpuModel().orElse(accel.defaultCpu())));
        a.addAll(List.of("-m", memoryMb + "M", "-smp", Integer.toString(cpus)));
        a.addAll(List.of("-nodefaults", "-no-user-config", "-vga", "std", "-display", "none"));
        a.addAll(List.of("-drive", "file=" + dir.overlay() + ",format=qcow2,if=virtio,cache=writeback,discard=unmap"));
        a.addAll(networkArgs);
        a.addAll(List.of("-serial", "file:" + dir.serialLog()));
        a.addAll(List.of("-qmp", "unix:" + dir.qmpSocket() + ",server=on,wait=off"));
        a.addAll(List.of("-pidfile", dir.pidFile().toString()));
        a.addAll(runArgs);
        a.addAll(config.extraArgs());
        return a;
    }
}
