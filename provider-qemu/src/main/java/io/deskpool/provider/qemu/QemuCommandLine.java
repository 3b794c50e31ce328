package io.deskpool.provider.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of one VM. The BIOS boots the overlay; the base image behind it is opened read-only by QEMU.
 * Nothing is attached that would block an internal snapshot: the overlay is the only writable drive and qcow2.
 * The guest's RAM is anonymous memory, or a file (see {@link GuestMemory}).
 */
final class QemuCommandLine {
    private QemuCommandLine() {
    }

    /** Memory from a file ({@link VmRecord#memory()}) is a backend the machine names. */
    private static final String RAM_BACKEND = "ram0";

    static List<String> build(Path binary, QemuConfig config, Accelerator accel, VmRecord vm, VmDirectory dir,
                              List<String> networkArgs, List<String> vncArgs, List<String> runArgs) {
        var a = new ArrayList<String>();
        a.add(binary.toString());
        a.addAll(List.of("-name", "deskpool-" + vm.vmId()));
        boolean fileMemory = !vm.memory().isEmpty();
        a.addAll(List.of("-machine", config.machine() + (fileMemory ? ",memory-backend=" + RAM_BACKEND : "")));
        a.addAll(accel.args(config.cpuModel().orElse(accel.defaultCpu())));
        a.addAll(List.of("-m", vm.memoryMb() + "M", "-smp", Integer.toString(vm.cpus())));
        if (fileMemory) {
            a.addAll(List.of("-object", "memory-backend-file,id=" + RAM_BACKEND + ",size=" + vm.memoryMb() + "M,mem-path="
                    + vm.memory() + ",share=" + (vm.memoryShared() ? "on" : "off")));
        }
        a.addAll(List.of("-nodefaults", "-no-user-config", "-vga", "std", "-display", "none"));
        a.addAll(vncArgs);
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
