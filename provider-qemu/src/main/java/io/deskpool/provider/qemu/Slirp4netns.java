package io.deskpool.provider.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The {@code slirp4netns} process that links one VM's network namespace to the host: a user-mode TCP/IP stack
 * (libslirp, as in QEMU) behind a tap device in the namespace, making the namespace's outgoing connections as
 * ordinary sockets of the host, and binding the VM's forwarded host ports (added over its API socket) into the
 * namespace. {@code --disable-host-loopback} keeps its gateway from leading to the host's loopback; its DNS
 * address 10.0.2.3 forwards to the host's resolver. It runs in its own session (it outlives this JVM when VMs
 * are kept) with its pid in the VM's directory, where a restarted server finds it.
 */
final class Slirp4netns {
    private static final Logger log = LoggerFactory.getLogger(Slirp4netns.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    /** The namespace side: slirp4netns' fixed addresses for its default 10.0.2.0/24. */
    static final String DNS_ADDRESS = "10.0.2.3";

    private final Path binary;
    private final Optional<Path> setsid = ExecutableLookup.find("setsid");

    Slirp4netns(Path binary) {
        this.binary = requireNonNull(binary, "binary is null");
    }

    /**
     * Starts slirp4netns for the network namespace (and user namespace) of {@code namespacePid}, forwards each
     * host port on {@code bindHost} to its namespace port, and returns once all are bound.
     *
     * @throws GuestNetwork.PortTakenException when a host port was taken before it could be bound
     */
    void start(VmDirectory dir, long namespacePid, String bindHost, List<ForwardedPorts.Forward> forwards)
            throws IOException {
        Files.deleteIfExists(dir.helperPidFile());
        Files.deleteIfExists(dir.helperSocket());
        var argv = new ArrayList<String>();
        setsid.ifPresent(p -> argv.add(p.toString()));
        argv.addAll(List.of(binary.toString(), "--configure", "--mtu=65520", "--disable-host-loopback",
                "--enable-sandbox", "--enable-seccomp", "--api-socket", dir.helperSocket().toString(),
                "--userns-path=/proc/" + namespacePid + "/ns/user", Long.toString(namespacePid), "tap0"));
        Process p = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(dir.helperLog().toFile()))
                .start();
        try {
            Files.writeString(dir.helperPidFile(), Long.toString(p.pid()));
            awaitApi(dir, p);
            for (ForwardedPorts.Forward f : forwards) {
                addForward(dir, bindHost, f);
            }
        } catch (IOException | RuntimeException e) {
            // The process itself, not the pid file: a full disk can leave the file unwritten (found by the chaos soak).
            stop(p.toHandle(), Duration.ofSeconds(2));
            throw e;
        }
    }

    private static void awaitApi(VmDirectory dir, Process p) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!p.isAlive()) {
                throw new IOException("slirp4netns exited with code " + p.exitValue() + ": "
                        + LogTail.read(dir.helperLog(), 10).replace('\n', ' ').strip());
            }
            if (Files.exists(dir.helperSocket())) {
                try {
                    call(dir, Map.of("execute", "list_hostfwd"));
                    return;
                } catch (IOException e) {
                    // not listening yet
                }
            }
            if (System.nanoTime() >= deadline) {
                throw new IOException("slirp4netns did not answer on " + dir.helperSocket() + " within "
                        + START_TIMEOUT.toSeconds() + " s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting slirp4netns", e);
            }
        }
    }

    private static void addForward(VmDirectory dir, String bindHost, ForwardedPorts.Forward f) throws IOException {
        JsonNode answer = call(dir, Map.of("execute", "add_hostfwd", "arguments", Map.of("proto", "tcp",
                "host_addr", bindHost, "host_port", f.hostPort(), "guest_port", f.guestPort())));
        if (answer.has("error")) {
            String why = answer.get("error").toString();
            // libslirp says only "slirp_add_hostfwd failed" when its bind fails (another process took the port
            // between our pick and this call); the address itself was checked at start.
            if (why.toLowerCase(java.util.Locale.ROOT).contains("bind") || why.contains("in use")
                    || why.contains("slirp_add_hostfwd failed")) {
                throw new GuestNetwork.PortTakenException("port " + f.hostPort() + " could not be bound: " + why);
            }
            throw new IOException("slirp4netns refused to forward port " + f.hostPort() + ": " + why);
        }
    }

    /** One request on the API socket: a JSON object in, a JSON object out. */
    private static JsonNode call(VmDirectory dir, Map<String, Object> request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(dir.helperSocket()));
            ch.write(ByteBuffer.wrap(JSON.writeValueAsBytes(request)));
            ch.shutdownOutput();
            byte[] answer = Channels.newInputStream(ch).readAllBytes();
            return JSON.readTree(new String(answer, StandardCharsets.UTF_8));
        }
    }

    /**
     * The VM's slirp4netns if it runs: the pid in its pid file, checked against its command line; else any process
     * started with the VM's API socket (a server killed between starting it and writing the file leaves no file).
     */
    Optional<ProcessHandle> find(VmDirectory dir) {
        String apiSocket = "--api-socket " + dir.helperSocket() + " ";
        long pid;
        try {
            pid = Long.parseLong(Files.readString(dir.helperPidFile()).strip());
        } catch (IOException | NumberFormatException e) {
            pid = 0;
        }
        if (pid > 0 && ProcState.alive(pid) && ProcState.commandLine(pid).contains(apiSocket)) {
            return ProcessHandle.of(pid);
        }
        return ProcessHandle.allProcesses()
                .filter(h -> ProcState.alive(h.pid()) && ProcState.commandLine(h.pid()).contains(apiSocket))
                .findFirst();
    }

    /** SIGTERM, SIGKILL after {@code grace}; returns once it has exited. Nothing when it is not running. */
    void stop(VmDirectory dir, Duration grace) {
        find(dir).ifPresent(h -> stop(h, grace));
    }

    private static void stop(ProcessHandle h, Duration grace) {
        h.destroy();
        if (!ProcState.awaitExit(h.pid(), grace)) {
            log.debug("slirp4netns {} did not stop on SIGTERM; killing it", h.pid());
            h.destroyForcibly();
            ProcState.awaitExit(h.pid(), grace);
        }
    }
}
