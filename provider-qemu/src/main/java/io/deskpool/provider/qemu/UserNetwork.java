package io.deskpool.provider.qemu;

import io.deskpool.core.qemu.SlirpBackendSwap;

import java.util.List;

/**
 * A VM's user-mode (SLIRP) network: guest ports forwarded to host ports, and a way to drop every connection
 * into the guest at once ({@link SlirpBackendSwap}).
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

    /** What ends every connection into the guest: the SLIRP backend on the hub replaced with the same forwards. */
    static SlirpBackendSwap swap(List<String> forwards, boolean restrict, boolean ipv6) {
        return new SlirpBackendSwap(BACKEND, BACKEND_PORT, HUB, forwards, restrict, ipv6);
    }
}
