package io.deskpool.provider.qemu;

import io.deskpool.core.spi.VmEndpoints;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * The host ports a VM's guest services are forwarded to. The OS picks free ones (bind to port 0, note the port,
 * close); QEMU binds them moments later, so another process may win the race: the launch then retries with
 * new ports.
 */
record ForwardedPorts(int server, int cdp, int vlc) {
    /** The guest's ports that are forwarded: in-VM server, DevTools, VLC. */
    static final List<Integer> GUEST_PORTS = List.of(VmEndpoints.GUEST_SERVER_PORT, VmEndpoints.GUEST_CDP_PORT,
            VmEndpoints.GUEST_VLC_PORT);

    ForwardedPorts {
        for (int p : new int[] {server, cdp, vlc}) {
            if (p <= 0 || p > 65535) {
                throw new IllegalArgumentException("port out of range: " + p);
            }
        }
    }

    static ForwardedPorts pickFree(InetAddress bindAddress) throws IOException {
        var sockets = new ArrayList<ServerSocket>();
        try {
            // All three stay bound until all are picked, so the OS cannot hand out the same port twice.
            for (int i = 0; i < 3; i++) {
                ServerSocket s = new ServerSocket();
                sockets.add(s);
                s.bind(new InetSocketAddress(bindAddress, 0));
            }
            return new ForwardedPorts(sockets.get(0).getLocalPort(), sockets.get(1).getLocalPort(),
                    sockets.get(2).getLocalPort());
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    /** One forwarded port: connections to {@code hostPort} reach the guest's {@code guestPort}. */
    record Forward(int hostPort, int guestPort) {
    }

    /** Each host port with the guest port it reaches: in-VM server, DevTools, VLC. */
    List<Forward> forwards() {
        return List.of(new Forward(server, VmEndpoints.GUEST_SERVER_PORT), new Forward(cdp, VmEndpoints.GUEST_CDP_PORT),
                new Forward(vlc, VmEndpoints.GUEST_VLC_PORT));
    }

    /** QEMU {@code hostfwd} rules: host port on the bind address to the guest's own port. */
    List<String> hostForwardRules(String bindHost) {
        String h = bindHost.contains(":") ? "[" + bindHost + "]" : bindHost;
        return forwards().stream().map(f -> "tcp:" + h + ":" + f.hostPort() + "-:" + f.guestPort()).toList();
    }

}
