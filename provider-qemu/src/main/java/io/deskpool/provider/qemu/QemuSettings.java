package io.deskpool.provider.qemu;

import io.deskpool.core.settings.Setting;

import java.util.List;

/**
 * The settings only the QEMU provider reads. The core settings it also reads (PATH_TO_VM, RAM_SIZE, CPU_CORES,
 * DISK_SIZE, VM_READY_TIMEOUT, SNAPSHOT_NAME) live in {@link io.deskpool.core.settings.CoreSettings}.
 */
public final class QemuSettings {
    public static final Setting BINARY = Setting.of("QEMU_BINARY", "qemu-system-x86_64",
            "QEMU system emulator to run, a name looked up on PATH or an absolute path");
    public static final Setting IMG_BINARY = Setting.of("QEMU_IMG", "qemu-img",
            "qemu-img used to create the per-VM overlays, a name looked up on PATH or an absolute path");
    public static final Setting ACCEL = Setting.of("QEMU_ACCEL", "auto",
            "auto (KVM when a real KVM test run succeeds, else software emulation), kvm or tcg");
    public static final Setting CPU_MODEL = Setting.of("QEMU_CPU", "",
            "QEMU -cpu model; empty = host with KVM, max with software emulation");
    public static final Setting MACHINE = Setting.of("QEMU_MACHINE", "q35",
            "QEMU -machine type (the disk is booted by the BIOS)");
    public static final Setting BIND_ADDRESS = Setting.of("QEMU_BIND_ADDRESS", "127.0.0.1",
            "Host address the guest ports (5000, 9222, 8080) are forwarded to, on free ports the OS picks");
    public static final Setting RESTRICT_NETWORK = Setting.of("QEMU_RESTRICT_NETWORK", "false",
            "true = the guest cannot reach the host's network or the internet (forwarded ports still work)");
    public static final Setting GUEST_NETWORK = Setting.of("QEMU_GUEST_NETWORK", "isolated",
            "isolated = each VM in its own network namespace linked by slirp4netns: the internet, nothing "
                    + "internal, nothing of the host or other VMs; host = QEMU user networking on the host itself: "
                    + "the guest reaches the host's loopback services (the Deskpool API, other VMs), trusted guests only");
    public static final Setting SLIRP4NETNS = Setting.of("QEMU_SLIRP4NETNS", "slirp4netns",
            "slirp4netns used by QEMU_GUEST_NETWORK=isolated, a name on PATH or a path");
    public static final Setting READY_PROBE = Setting.of("QEMU_READY_PROBE", "desktop",
            "What readiness waits for: desktop (GET /screenshot and Chrome's /json/version) or screenshot");
    public static final Setting CLOCK_SYNC_COMMAND = Setting.of("QEMU_CLOCK_SYNC_COMMAND", "date -s @{epoch}",
            "Command run through the in-VM server's /execute after a snapshot revert or a fork to set the guest "
                    + "clock, as a program when it is plain words, else through the shell ({epoch} = host time in "
                    + "seconds; e.g. 'echo password | sudo -S date -s @{epoch}' for "
                    + "OSWorld's Ubuntu image); empty = leave the clock at snapshot time");
    public static final Setting MEMORY_DIR = Setting.of("QEMU_MEMORY_DIR", "/dev/shm",
            "Directory (a tmpfs) for the guests' RAM as files: a fork then copies the parent's memory at memory speed and "
                    + "the copies map it copy-on-write instead of loading every page; its size limits the RAM all guests "
                    + "together can use (remount /dev/shm larger, or mount a tmpfs of your own); none = anonymous "
                    + "memory, forks stream it (several times slower for guests of a gigabyte or more)");
    public static final Setting CLEAN_TEMPLATE = Setting.of("QEMU_CLEAN_TEMPLATE", "true",
            "true = the first VM to become ready also saves the clean state as files (its frozen disk and its "
                    + "memory, the size of the guest's used RAM), so a VM that cannot load its snapshot in place (a "
                    + "fork's copy, a VM whose QEMU died) restarts from them in a second or so instead of booting; "
                    + "false = such VMs reboot");
    public static final Setting ON_EXIT = Setting.of("QEMU_ON_EXIT", "stop",
            "What happens to this server's QEMU VMs when the server exits: stop (kill them, delete overlays) or "
                    + "keep (leave them running; the next start finds them through RECONCILE)");
    public static final Setting EXTRA_ARGS = Setting.of("QEMU_EXTRA_ARGS", "",
            "Extra QEMU arguments appended to every VM's command line, separated by spaces");
    public static final Setting TEST_GUEST_SCRIPT = Setting.of("TEST_GUEST_SCRIPT", "",
            "Script that builds the small test guest used when PATH_TO_VM is empty (its last output line is the "
                    + "qcow2 path); empty = scripts/build-test-guest.sh in the working directory or a parent");

    public static final List<Setting> ALL = List.of(BINARY, IMG_BINARY, ACCEL, CPU_MODEL, MACHINE, BIND_ADDRESS,
            RESTRICT_NETWORK, GUEST_NETWORK, SLIRP4NETNS, READY_PROBE, CLOCK_SYNC_COMMAND, MEMORY_DIR, CLEAN_TEMPLATE, ON_EXIT, EXTRA_ARGS, TEST_GUEST_SCRIPT);

    private QemuSettings() {
    }
}
