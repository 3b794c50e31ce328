package io.deskpool.provider.qemu;

import io.deskpool.core.qemu.QmpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A VM's user-mode (SLIRP) network: guest ports forwarded to host ports, and a way to drop every connection
 * into the guest at once.
 *
 * <p>After a snapshot load the guest has forgotten every connection opened since the snapshot, but SLIRP keeps
 * their host sockets open: an idle client would hang until it next sends. So the SLIRP backend is not wired to
 * the NIC directly but through an emulated hub, where it can be deleted (closing all its host sockets, so
 * clients see the connection end at once) and added again with the same port forwards while the guest's NIC
 * stays up. Deleting a backend wired straight to a NIC would leave the NIC without a network.
 */
final class UserNetwork {
    private static final String BACKEND = "slirp0";
    private static final String BACKEND_PORT = "hub0-slirp";
    private static final String NIC_PORT = "hub0-nic";
    private static final int HUB = 0;

    /** SLIRP socket states that carry no traffic: port-forward listeners and finished connections. */
    private static final Set<String> QUIET_STATES = Set.of("HOST_FORWARD", "TIME_WAIT", "CLOSED");

    private UserNetwork() {
    }

    /**
     * The -netdev/-device arguments: SLIRP with {@code forwards} ({@code hostfwd} rules) and the NIC on one hub.
     * Without IPv6 the guest gets no IPv6 address, so its connections all pass the IPv4 rules of its namespace.
     */
    static List<String> args(List<String> forwards, boolean restrict, boolean ipv6) {
        StringBuilder user = new StringBuilder("user,id=" + BACKEND + (restrict ? ",restrict=on" : "")
                + (ipv6 ? "" : ",ipv6=off"));
        for (String rule : forwards) {
            user.append(",hostfwd=").append(rule);
        }
        return List.of(
                "-netdev", user.toString(),
                "-netdev", "hubport,id=" + BACKEND_PORT + ",hubid=" + HUB + ",netdev=" + BACKEND,
                "-netdev", "hubport,id=" + NIC_PORT + ",hubid=" + HUB,
                "-device", "virtio-net-pci,netdev=" + NIC_PORT);
    }

    /**
     * Waits until no TCP connection into the guest is open, at most {@code max}; returns whether it got there.
     * A snapshot taken while the guest was still sending a response would restore a guest process blocked on a
     * connection that no longer exists (with restrict=on SLIRP does not even reset it), so snapshots wait for a
     * quiet network. The readiness probes close their connections early, so this takes a few milliseconds.
     */
    static boolean awaitNoOpenConnections(QmpClient qmp, Duration max) throws QmpClient.QmpException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            String table = qmp.humanMonitorCommand("info usernet", max);
            boolean busy = table.lines()
                    .map(String::strip)
                    .filter(l -> l.startsWith("TCP["))
                    .map(l -> l.substring(4, Math.max(4, l.indexOf(']'))))
                    .anyMatch(state -> !QUIET_STATES.contains(state));
            if (!busy) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new QmpClient.QmpException("interrupted", e);
            }
        }
    }

    /**
     * Replaces the SLIRP backend with a fresh one with the same forwards, ending every open connection. Call it
     * with the VM stopped: while the hub has no backend it cannot take packets, and a packet the NIC sent then
     * would stay parked (and the NIC's transmit stalled) until the next stop/cont flushes it.
     */
    static void dropConnections(QmpClient qmp, List<String> forwards, boolean restrict, boolean ipv6,
                                Duration timeout) throws QmpClient.QmpException {
        qmp.execute("netdev_del", Map.of("id", BACKEND), timeout);
        qmp.execute("netdev_del", Map.of("id", BACKEND_PORT), timeout);
        List<Map<String, String>> rules = forwards.stream().map(rule -> Map.of("str", rule)).toList();
        qmp.execute("netdev_add", Map.of("type", "user", "id", BACKEND, "restrict", restrict, "ipv6", ipv6,
                "hostfwd", rules), timeout);
        qmp.execute("netdev_add", Map.of("type", "hubport", "id", BACKEND_PORT, "hubid", HUB, "netdev", BACKEND),
                timeout);
    }
}
