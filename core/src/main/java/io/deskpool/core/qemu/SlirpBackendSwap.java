package io.deskpool.core.qemu;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Ends every connection into a guest whose NIC reaches QEMU's user networking (SLIRP) through an emulated hub:
 * the SLIRP backend is deleted (closing all its host sockets, so clients see the connection end at once) and
 * added again with the same port forwards while the NIC stays up. A backend wired straight to a NIC cannot be
 * swapped this way (deleting it leaves the NIC without a network), hence the hub.
 *
 * <p>The guest's CPUs must be stopped: while the hub has no backend it cannot take packets, and a packet the NIC
 * sent then would stay parked (and the NIC's transmit stalled) until the next stop/cont flushes it.
 *
 * @param backendId  the SLIRP netdev's id
 * @param hubPortId  the id of the hub port the backend hangs on
 * @param hubId      the hub's number
 * @param forwards   the backend's {@code hostfwd} rules
 * @param restrict   SLIRP {@code restrict=on}
 * @param ipv6       whether the backend offers IPv6
 */
public record SlirpBackendSwap(String backendId, String hubPortId, int hubId, List<String> forwards, boolean restrict,
                               boolean ipv6) implements StaleConnections {
    public SlirpBackendSwap {
        requireNonNull(backendId, "backendId is null");
        requireNonNull(hubPortId, "hubPortId is null");
        forwards = List.copyOf(forwards);
    }

    @Override
    public void end(QmpClient qmp, Duration timeout) throws QmpClient.QmpException {
        qmp.execute("netdev_del", Map.of("id", backendId), timeout);
        qmp.execute("netdev_del", Map.of("id", hubPortId), timeout);
        List<Map<String, String>> rules = forwards.stream().map(rule -> Map.of("str", rule)).toList();
        // ipv4 explicitly: QEMU takes one of ipv4/ipv6 given alone as "the other one off", so ipv6=true alone
        // would make a backend without IPv4 that never reaches the guest.
        qmp.execute("netdev_add", Map.of("type", "user", "id", backendId, "restrict", restrict, "ipv4", true,
                "ipv6", ipv6, "hostfwd", rules), timeout);
        qmp.execute("netdev_add", Map.of("type", "hubport", "id", hubPortId, "hubid", hubId, "netdev", backendId),
                timeout);
    }
}
