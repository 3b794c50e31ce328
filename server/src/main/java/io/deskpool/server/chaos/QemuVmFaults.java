package io.deskpool.server.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * QEMU VMs, found by the pid file in their directory under {@code STATE_DIR/qemu/<vm id>/} and checked against
 * the process's command line (pids get reused) before any signal.
 */
final class QemuVmFaults implements VmFaults {
    private final Path vmsDir;
    private final Map<String, Long> frozen = new ConcurrentHashMap<>();

    QemuVmFaults(Path stateDir) {
        this.vmsDir = stateDir.resolve("qemu").toAbsolutePath().normalize();
    }

    @Override
    public boolean kill(String vmId) {
        return process(vmId).map(ProcessHandle::destroyForcibly).orElse(false);
    }

    @Override
    public boolean freeze(String vmId) {
        Optional<ProcessHandle> p = process(vmId);
        if (p.isEmpty() || !signal("STOP", p.get().pid())) {
            return false;
        }
        frozen.put(vmId, p.get().pid());
        return true;
    }

    @Override
    public void thaw(String vmId) {
        Long pid = frozen.remove(vmId);
        if (pid != null && ProcessHandle.of(pid).filter(h -> runs(h.pid(), vmId)).isPresent()) {
            signal("CONT", pid);
        }
    }

    @Override
    public List<String> leftovers() {
        var left = new ArrayList<String>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                String cmdline = cmdline(p.resolve("cmdline"));
                if (cmdline.contains("qemu") && cmdline.contains(vmsDir.toString())) {
                    left.add("QEMU pid " + p.getFileName() + ": " + cmdline.substring(0, Math.min(160, cmdline.length())));
                }
            }
        } catch (IOException e) {
            left.add("cannot list /proc: " + e.getMessage());
        }
        return left;
    }

    private Optional<ProcessHandle> process(String vmId) {
        try {
            long pid = Long.parseLong(Files.readString(vmsDir.resolve(vmId).resolve("qemu.pid")).strip());
            return ProcessHandle.of(pid).filter(h -> runs(pid, vmId));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private boolean runs(long pid, String vmId) {
        String cmdline = cmdline(Path.of("/proc", Long.toString(pid), "cmdline"));
        return cmdline.contains("qemu") && cmdline.contains(vmsDir.resolve(vmId).toString());
    }

    private static String cmdline(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean signal(String name, long pid) {
        try {
            return new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
