package io.deskpool.provider.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * One running {@code qemu-system-x86_64}: either started here (a child of this JVM) or found again after a
 * restart by its pid. QEMU runs in its own session with its output in a file, so it survives this JVM when
 * asked to (a Ctrl-C in the terminal or a closed pipe would otherwise take it down).
 */
final class QemuProcess {
    private static final Optional<Path> SETSID = ExecutableLookup.find("setsid");

    private final ProcessHandle handle;
    private final Process child;
    /** This provider asked it to stop (destroy, reboot, shutdown): its exit is no news. */
    private volatile boolean stopRequested;

    private QemuProcess(ProcessHandle handle, Process child) {
        this.handle = requireNonNull(handle, "handle is null");
        this.child = child;
    }

    /** Starts QEMU in the VM's directory with its stdout and stderr appended to {@code qemu.log}. */
    static QemuProcess start(List<String> argv, VmDirectory dir) throws IOException {
        var command = new ArrayList<String>();
        SETSID.ifPresent(p -> command.add(p.toString()));
        command.addAll(argv);
        Process p = new ProcessBuilder(command)
                .directory(dir.dir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.qemuLog().toFile()))
                .start();
        return new QemuProcess(p.toHandle(), p);
    }

    /** The QEMU process with this pid if it is alive and runs this VM's overlay (pids get reused). */
    static Optional<QemuProcess> find(long pid, VmDirectory dir) {
        if (pid <= 0) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid)
                .map(h -> new QemuProcess(h, null))
                .filter(p -> p.isRunning() && p.runs(dir));
    }

    /**
     * After QEMU wrote its pid file: if the pid differs from the child's (setsid had to fork), follow the pid
     * in the file from now on.
     */
    QemuProcess followPidFile(VmDirectory dir) {
        try {
            long pid = Long.parseLong(Files.readString(dir.pidFile()).strip());
            if (pid == handle.pid()) {
                return this;
            }
            return ProcessHandle.of(pid).map(h -> new QemuProcess(h, null)).orElse(this);
        } catch (IOException | NumberFormatException e) {
            return this;
        }
    }

    long pid() {
        return handle.pid();
    }

    /** Alive and not a zombie (a process this JVM did not start is not reaped by it). */
    boolean isRunning() {
        return handle.isAlive() && ProcState.alive(handle.pid());
    }

    /** Stopped by a signal (SIGSTOP, SIGTSTP) or a tracer: it runs nothing until it is continued. */
    boolean isStopped() {
        return ProcState.stopped(handle.pid());
    }

    /** Completes when the process exits (at once for a child of this JVM, by polling for others). */
    java.util.concurrent.CompletableFuture<ProcessHandle> onExit() {
        return handle.onExit();
    }

    boolean stopRequested() {
        return stopRequested;
    }

    /** How it ended, for error messages. */
    String exitDescription() {
        if (isRunning()) {
            return "still running";
        }
        if (child != null) {
            try {
                if (child.waitFor(1, TimeUnit.SECONDS)) {
                    int code = child.exitValue();
                    // A process killed by signal N exits with 128 + N.
                    return code > 128 && code < 160 ? "was killed by signal " + (code - 128) : "exited with code " + code;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return "exited";
    }

    /** Whether its command line names this VM's overlay. */
    boolean runs(VmDirectory dir) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(handle.pid()), "cmdline"));
            String cmdline = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
            return cmdline.contains("qemu") && cmdline.contains(dir.overlay().toString());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * SIGTERM (QEMU shuts down cleanly on it), then SIGKILL after {@code grace}; a stopped process gets SIGKILL at
     * once. Returns once it is gone.
     */
    void stop(Duration grace) {
        stopRequested = true;
        if (!isRunning()) {
            reap();
            return;
        }
        if (isStopped()) {
            // A stopped (frozen) process cannot act on SIGTERM until it is continued: waiting out the grace is waste.
            handle.destroyForcibly();
            awaitExit(Duration.ofSeconds(10));
            reap();
            return;
        }
        handle.destroy();
        if (!awaitExit(grace)) {
            handle.destroyForcibly();
            awaitExit(Duration.ofSeconds(10));
        }
        reap();
    }

    /** Sends SIGTERM without waiting (shutdown hooks stop many VMs at once). */
    void signalStop() {
        stopRequested = true;
        handle.destroy();
    }

    boolean awaitExit(Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !isRunning();
        } catch (ExecutionException e) {
            return !isRunning();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !isRunning();
        }
    }

    void forceStop() {
        stopRequested = true;
        handle.destroyForcibly();
    }

    private void reap() {
        if (child != null) {
            try {
                child.waitFor(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
