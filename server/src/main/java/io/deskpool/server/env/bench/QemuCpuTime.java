package io.deskpool.server.env.bench;

import io.deskpool.server.DeskpoolServer;

/**
 * The CPU time a VM's QEMU process used (utime + stime from /proc), for sizing a benchmark's guest work in CPU
 * seconds that other jobs on a busy host do not stretch. Only for the QEMU provider, whose backend id is the pid file.
 */
final class QemuCpuTime {
    private QemuCpuTime() {
    }

    /** The QEMU process of a VM of the QEMU provider (its backend id is its pid file), if that is what it is. */
    static java.util.OptionalLong pidOf(DeskpoolServer server, String vmId) {
        try {
            String backendId = server.pool().vm(vmId).flatMap(io.deskpool.core.pool.VmView::handle)
                    .map(io.deskpool.core.spi.VmHandle::backendId).orElse("");
            java.nio.file.Path pidFile = java.nio.file.Path.of(backendId);
            if (!server.pool().provider().name().equals("qemu") || !java.nio.file.Files.isRegularFile(pidFile)) {
                return java.util.OptionalLong.empty();
            }
            return java.util.OptionalLong.of(Long.parseLong(java.nio.file.Files.readString(pidFile).strip()));
        } catch (java.io.IOException | RuntimeException e) {
            return java.util.OptionalLong.empty();
        }
    }

    /** utime + stime of a process, in clock ticks (100 per second on Linux). */
    static long ticks(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the CPU time of process " + pid, e);
        }
    }
}
