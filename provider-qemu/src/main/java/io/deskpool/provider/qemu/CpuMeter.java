package io.deskpool.provider.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's CPU use as {@code docker stats} reports a container's: percent of one CPU over the interval since the
 * previous reading, the first reading over the process's whole life. Read from {@code /proc/<pid>/stat} (user and
 * system time, start time) against {@code /proc/uptime}, the kernel's own time base for both.
 */
final class CpuMeter {
    /** USER_HZ, the unit of /proc/<pid>/stat times: 100 on every Linux architecture's user-space ABI. */
    private static final double TICKS_PER_SECOND = 100;

    private final long pid;
    private double lastCpuSeconds = Double.NaN;
    private double lastUptime = Double.NaN;

    CpuMeter(long pid) {
        this.pid = pid;
    }

    long pid() {
        return pid;
    }

    /** Percent of one CPU since the previous reading, or -1 when the process is gone or /proc cannot be read. */
    synchronized double percent() {
        double[] now = read();
        if (now == null) {
            return -1;
        }
        double cpuSeconds = now[0];
        double uptime = now[2];
        double fromCpu = Double.isNaN(lastCpuSeconds) ? 0 : lastCpuSeconds;
        double fromTime = Double.isNaN(lastUptime) ? now[1] : lastUptime;
        lastCpuSeconds = cpuSeconds;
        lastUptime = uptime;
        double wall = uptime - fromTime;
        if (wall <= 0) {
            return 0;
        }
        return Math.max(0, 100.0 * (cpuSeconds - fromCpu) / wall);
    }

    /** {cpu seconds used, uptime at process start, uptime now}, or null. */
    private double[] read() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            // After ')': f[0] is field 3 (state); utime is field 14, stime 15, starttime 22.
            double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
            double started = Long.parseLong(f[19]) / TICKS_PER_SECOND;
            double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0]);
            return new double[] {cpu, started, uptime};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
