package io.deskpool.provider.qemu;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;

/**
 * A VM's screen over VNC: QEMU's own VNC server, listening on a unix socket in the VM directory (for local tools)
 * and with its WebSocket listener reachable on a free port of the bind address. That port is the VM's
 * {@code vnc_port}: noVNC, and Deskpool's live view, connect to it. Where QEMU itself listens depends on the
 * guest network (in an isolated VM's namespace, {@link #NAMESPACE_PORT}, forwarded from the host port like the
 * guest's ports). QEMU answers the WebSocket handshake on {@code /} only. Port 0 means no VNC (a VM recorded
 * before VNC existed).
 */
record VncDisplay(int webSocketPort) {
    static final String WEBSOCKET_PATH = "/";
    /** Where QEMU's WebSocket listens inside an isolated VM's network namespace (qemus' image uses it too). */
    static final int NAMESPACE_PORT = 5700;
    static final VncDisplay NONE = new VncDisplay(0);

    VncDisplay {
        if (webSocketPort < 0 || webSocketPort > 65535) {
            throw new IllegalArgumentException("port out of range: " + webSocketPort);
        }
    }

    /** A port the OS says is free now; it is bound moments later (a lost race makes the start retry). */
    static VncDisplay pickFree(InetAddress bindAddress) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(bindAddress, 0));
            return new VncDisplay(s.getLocalPort());
        }
    }

    /** The -vnc option with the WebSocket on {@code host:port}: no password, as the in-VM server has none either. */
    List<String> args(Path socket, String host, int port) {
        if (this == NONE || webSocketPort == 0) {
            return List.of();
        }
        String h = host.contains(":") ? "[" + host + "]" : host;
        return List.of("-vnc", "unix:" + socket + ",websocket=" + h + ":" + port);
    }

    /** The host port forwarded to QEMU's WebSocket in a VM's network namespace; none without VNC. */
    List<ForwardedPorts.Forward> namespaceForward() {
        return webSocketPort == 0 ? List.of() : List.of(new ForwardedPorts.Forward(webSocketPort, NAMESPACE_PORT));
    }

    /** What QEMU says when the WebSocket port was taken before it bound it. */
    static boolean portTaken(String qemuOutput) {
        return qemuOutput.contains("Failed to find an available port");
    }
}
