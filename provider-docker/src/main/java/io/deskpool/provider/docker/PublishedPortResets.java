package io.deskpool.provider.docker;

import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.qemu.StaleConnections;
import io.deskpool.core.spi.VmEndpoints;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * Ends every TCP connection into a VM container's guest after its state was replaced, from the host: what carries
 * them is not QEMU's to drop here (the OSWorld image wires its guest to a tap behind NAT, the test image to user
 * networking straight on the NIC, which cannot be swapped), but every such connection passes the host, as a client
 * socket to a published port or as the engine's port proxy's socket to the container. {@code ss -K} (socket
 * destroy, which needs root) resets both kinds: connections to the container's address on the guest ports, and to
 * the published host ports. The client sees a reset at once instead of hanging.
 */
final class PublishedPortResets implements StaleConnections {
    private static final Logger log = LoggerFactory.getLogger(PublishedPortResets.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static final long TIMEOUT_SECONDS = 10;
    /** The guest's services; noVNC (8006) is the container's own web viewer and survives a restore. */
    private static final List<Integer> GUEST_PORTS = List.of(VmEndpoints.GUEST_SERVER_PORT, VmEndpoints.GUEST_CDP_PORT,
            VmEndpoints.GUEST_VLC_PORT);

    private final Optional<Path> ss;
    private final List<String> containerAddresses;
    private final VmEndpoints published;

    /**
     * @param ss                 the {@code ss} program, when this host has it and the server may destroy sockets
     * @param containerAddresses the container's addresses on its networks
     * @param published          the guest's published ports, as clients reach them
     */
    PublishedPortResets(Optional<Path> ss, List<String> containerAddresses, VmEndpoints published) {
        this.ss = requireNonNull(ss, "ss is null");
        this.containerAddresses = List.copyOf(containerAddresses);
        this.published = requireNonNull(published, "published is null");
    }

    /** {@code ss} when the server runs as root (socket destroy needs it), else empty. */
    static Optional<Path> socketKiller() {
        return ContainerFirewall.runningAsRoot() ? ContainerFirewall.program("ss") : Optional.empty();
    }

    @Override
    public void end(QmpClient qmp, Duration timeout) throws IOException {
        if (ss.isEmpty()) {
            if (WARNED.compareAndSet(false, true)) {
                log.warn("Connections into restored Docker guests are not ended: that needs 'ss' (iproute2) and the "
                        + "server running as root; idle clients of a restored VM wait until they next send");
            }
            return;
        }
        String filter = filter();
        if (filter.isEmpty()) {
            return; // an empty filter would match every connection of the host
        }
        var argv = new ArrayList<>(List.of(ss.get().toString(), "-K", "-t", "-n", "state", "established"));
        argv.add(filter);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("ss -K did not finish in " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("ss -K failed (exit " + p.exitValue() + "): " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while ending connections", e);
        }
    }

    /** {@code ( dst A and ( dport = :5000 or ... ) ) or ( dst HOST and ( dport = :P or ... ) )}. */
    String filter() {
        var parts = new ArrayList<String>();
        for (String address : containerAddresses) {
            parts.add("( dst " + address + " and " + ports(GUEST_PORTS) + " )");
        }
        var hostPorts = new ArrayList<Integer>();
        for (int p : new int[] {published.serverPort(), published.cdpPort(), published.vlcPort()}) {
            if (p > 0) {
                hostPorts.add(p);
            }
        }
        if (!hostPorts.isEmpty()) {
            parts.add("( dst " + published.host() + " and " + ports(hostPorts) + " )");
        }
        return String.join(" or ", parts);
    }

    private static String ports(List<Integer> ports) {
        return "( " + String.join(" or ", ports.stream().map(p -> "dport = :" + p).toList()) + " )";
    }
}
