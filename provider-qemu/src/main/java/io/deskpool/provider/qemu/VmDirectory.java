package io.deskpool.provider.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static java.util.Objects.requireNonNull;

/**
 * The files of one VM under {@code STATE_DIR/qemu/<vm id>/}: the qcow2 overlay (which also holds the clean
 * snapshot), the QMP and VNC sockets, QEMU's pid file and output, the guest's serial console, the network helper's pid
 * file, log and firewall rules, and {@code vm.json}.
 */
record VmDirectory(Path dir) {
    /** sun_path holds 108 bytes; longer socket paths move to the temp directory under a name derived from dir. */
    private static final int MAX_SOCKET_PATH = 100;

    VmDirectory {
        requireNonNull(dir, "dir is null");
        dir = dir.toAbsolutePath().normalize();
    }

    /** The overlay QEMU was started on (its command line names it, see {@link QemuProcess#runs}). */
    Path overlay() {
        return dir.resolve(VmRecord.FIRST_DISK);
    }

    /** The overlay the VM writes now: the first one, or the one it moved onto when it was forked. */
    Path topOverlay(VmRecord record) {
        return dir.resolve(record.disk());
    }

    Path pidFile() {
        return dir.resolve("qemu.pid");
    }

    Path qemuLog() {
        return dir.resolve("qemu.log");
    }

    Path serialLog() {
        return dir.resolve("serial.log");
    }

    /** The pid of the VM's network helper (slirp4netns), when its network is isolated. */
    Path helperPidFile() {
        return dir.resolve("slirp4netns.pid");
    }

    Path helperLog() {
        return dir.resolve("slirp4netns.log");
    }

    /** The network helper's API socket. */
    Path helperSocket() {
        return socket("slirp4netns.sock");
    }

    /** The iptables-restore rules of the VM's network namespace (what the guest may not reach). */
    Path firewallRules() {
        return dir.resolve("guest-firewall.rules");
    }

    /** The resolv.conf QEMU sees in the VM's network namespace. */
    Path resolvConf() {
        return dir.resolve("resolv.conf");
    }

    Path recordFile() {
        return dir.resolve("vm.json");
    }

    Path qmpSocket() {
        return socket("qmp.sock");
    }

    /** QEMU's VNC server (raw RFB, no password). */
    Path vncSocket() {
        return socket("vnc.sock");
    }

    private Path socket(String fileName) {
        Path inside = dir.resolve(fileName);
        if (inside.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH) {
            return inside;
        }
        String name = UUID.nameUUIDFromBytes(dir.toString().getBytes(StandardCharsets.UTF_8)).toString();
        String kind = fileName.substring(0, fileName.indexOf('.'));
        return Path.of(System.getProperty("java.io.tmpdir"), "deskpool-" + kind + "-" + name + ".sock").toAbsolutePath();
    }

    String vmId() {
        return dir.getFileName().toString();
    }

    void create() throws IOException {
        Files.createDirectories(dir);
    }

    /** Removes what one QEMU run left (overlays, socket, logs, pid file) but keeps the directory. */
    void clearRun() throws IOException {
        try (var overlays = Files.newDirectoryStream(dir, "overlay*.qcow2")) {
            for (Path p : overlays) {
                Files.deleteIfExists(p);
            }
        }
        for (Path p : new Path[] {pidFile(), qemuLog(), serialLog(), qmpSocket(), vncSocket(), helperPidFile(), helperLog(),
                helperSocket(), firewallRules(), resolvConf()}) {
            Files.deleteIfExists(p);
        }
    }

    /** Removes everything; a directory that is already gone is fine. */
    void delete() throws IOException {
        Files.deleteIfExists(qmpSocket());
        Files.deleteIfExists(vncSocket());
        Files.deleteIfExists(helperSocket());
        FileTree.delete(dir);
    }
}
