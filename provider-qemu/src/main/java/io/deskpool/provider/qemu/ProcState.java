package io.deskpool.provider.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A process's state from /proc. A process this JVM did not start (or that outlived its parent) is reaped by
 * init, not here, so between its exit and its reaping it shows as a zombie, which {@link ProcessHandle#isAlive}
 * still counts as alive.
 */
final class ProcState {
    private ProcState() {
    }

    /** Running and not a zombie. */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** Stopped by a signal (SIGSTOP, SIGTSTP) or a tracer: it runs nothing until it is continued. */
    static boolean stopped(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            char state = end < 0 || end + 2 >= stat.length() ? '?' : stat.charAt(end + 2);
            return state == 'T' || state == 't';
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until the process is gone or a zombie; false when it still runs after {@code max}. */
    static boolean awaitExit(long pid, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (alive(pid)) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !alive(pid);
            }
        }
        return true;
    }

    /** Its command line with arguments separated by spaces; empty when it is gone. */
    static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    static boolean runningAsRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
