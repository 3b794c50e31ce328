package io.deskpool.server;

import java.lang.management.ManagementFactory;

/**
 * CPU and memory use of the machine the server runs on, as the dashboard and /status show them. Read at most once a
 * second: the JVM reads them from /proc under a lock, which a busy /status endpoint would otherwise queue on.
 */
final class HostStats {
    private static final long MAX_AGE_NANOS = 1_000_000_000L;

    private final com.sun.management.OperatingSystemMXBean os;
    /** Null until the first reading: nanoTime has no "long ago" value whose difference cannot overflow. */
    private volatile Reading last;

    private record Reading(double cpuPercent, double memoryPercent, long atNanos) {
        boolean freshAt(long now) {
            return now - atNanos < MAX_AGE_NANOS;
        }
    }

    HostStats() {
        this.os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    }

    /** Recent CPU use of the whole machine in percent, or -1 when the JVM cannot tell. */
    double cpuPercent() {
        return current().cpuPercent();
    }

    double memoryPercent() {
        return current().memoryPercent();
    }

    private Reading current() {
        Reading r = last;
        long now = System.nanoTime();
        if (r != null && r.freshAt(now)) {
            return r;
        }
        synchronized (this) {
            r = last;
            if (r != null && r.freshAt(now)) {
                return r;
            }
            double load = os.getCpuLoad();
            long total = os.getTotalMemorySize();
            long free = os.getFreeMemorySize();
            r = new Reading(load < 0 ? -1 : Math.round(load * 1000) / 10.0,
                    total <= 0 ? -1 : Math.round((total - free) * 1000.0 / total) / 10.0, System.nanoTime());
            last = r;
            return r;
        }
    }

    long memoryTotalBytes() {
        return os.getTotalMemorySize();
    }
}
