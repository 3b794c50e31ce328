package io.deskpool.provider.docker;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.net.Cidr;
import io.deskpool.core.net.GuestFirewall;
import io.deskpool.core.net.HostNetworks;
import io.deskpool.core.net.Resolvers;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * DOCKER_GUEST_NETWORK=isolated: the {@link GuestFirewall} loaded into a VM container's network namespace from
 * this host ({@code nsenter --net}, the host's own {@code iptables-restore}), so nothing in the image changes. The
 * VM's traffic leaves the container from that namespace whatever the image does with it: the OSWorld image routes
 * the guest through the container (FORWARD), the test image's user networking makes its connections as a
 * container process (OUTPUT); both are filtered. Connections from outside (the published ports, entering on the
 * container's eth0) pass, and so do their replies. The rules live and die with the container's namespace.
 *
 * <p>Needs root on the engine's host (entering another process's namespace); the provider checks that the
 * container's process is really on this host (its cgroup names the container).
 */
final class ContainerFirewall {
    static final String UPLINK = "eth0";
    private static final long TIMEOUT_SECONDS = 10;

    private final List<Cidr> allowed;

    ContainerFirewall(List<Cidr> allowed) {
        this.allowed = List.copyOf(requireNonNull(allowed, "allowed is null"));
    }

    /** Why the firewall cannot be loaded from here, or empty when it can. */
    static Optional<String> unavailable() {
        if (!runningAsRoot()) {
            return Optional.of("the server does not run as root, which entering a container's network namespace needs");
        }
        if (program("nsenter").isEmpty()) {
            return Optional.of("nsenter was not found (apt-get install util-linux)");
        }
        if (program("iptables-restore").isEmpty()) {
            return Optional.of("iptables-restore was not found (apt-get install iptables)");
        }
        return Optional.empty();
    }

    /** The rules for a container whose resolv.conf is {@code resolvConf}. */
    GuestFirewall rulesFor(Path resolvConf) {
        return new GuestFirewall(allowed, Resolvers.read(resolvConf).usable(), HostNetworks.current());
    }

    /**
     * Loads the rules into the namespace of the container's process {@code pid}.
     *
     * @throws DeskpoolException BOOT_FAILED when they cannot be loaded (the VM must not run without them)
     */
    void apply(String vmId, String containerId, long pid) {
        Optional<String> why = unavailable();
        if (why.isPresent()) {
            throw new DeskpoolException(ErrorCode.BOOT_FAILED, "VM " + vmId + ": its guest firewall cannot be set: "
                    + why.get() + "; set " + DockerSettings.GUEST_NETWORK.name() + "=open to run without it");
        }
        if (pid <= 0 || !cgroupNames(pid, containerId)) {
            throw new DeskpoolException(ErrorCode.BOOT_FAILED, "VM " + vmId + ": container " + containerId
                    + " does not run on this host (pid " + pid + "), so its guest firewall cannot be set from here; "
                    + "run the server on the engine's host, or set " + DockerSettings.GUEST_NETWORK.name() + "=open");
        }
        String rules = rulesFor(Path.of("/proc", Long.toString(pid), "root", "etc", "resolv.conf"))
                .iptablesRestore(List.of(GuestFirewall.Hook.output(), GuestFirewall.Hook.forwardExceptFrom(UPLINK)),
                        new GuestFirewall.Tracked());
        String failure = load(pid, rules);
        if (!failure.isEmpty()) {
            throw new DeskpoolException(ErrorCode.BOOT_FAILED, "VM " + vmId + ": the guest firewall did not load into "
                    + "container " + containerId + ": " + failure);
        }
    }

    private static String load(long pid, String rules) {
        try {
            Process p = new ProcessBuilder(program("nsenter").orElseThrow().toString(), "--target", Long.toString(pid),
                    "--net", "--", program("iptables-restore").orElseThrow().toString(), "--noflush")
                    .redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) {
                in.write(rules.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "iptables-restore did not finish within " + TIMEOUT_SECONDS + " s";
            }
            return p.exitValue() == 0 ? "" : "exit code " + p.exitValue() + (out.isEmpty() ? "" : ": " + out);
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Whether the process belongs to the container (its cgroup path names the container id). */
    private static boolean cgroupNames(long pid, String containerId) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cgroup")).contains(containerId);
        } catch (IOException e) {
            return false;
        }
    }

    static boolean runningAsRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** On PATH, or in the sbin directories a normal user's PATH lacks. */
    static Optional<Path> program(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin:/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            Path p = dir.isEmpty() ? null : Path.of(dir, name);
            if (p != null && Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
