package io.deskpool.provider.qemu;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;

/**
 * A VM's screen over VNC: QEMU's own VNC server, listening on a unix socket in the VM directory (for local tools)
 * and with its WebSocket listener on a free port of the bind address. That port is the VM's {@code vnc_port}:
 * noVNC, and Deskpool's live view, connect to it. QEMU answers the WebSocket handshake on {@code /} only.
 */
record VncDisplay(int webSocketPort) {
    static final String WEBSOCKET_PATH = "/";

    VncDisplay {
        if (webSocketPort <= 0 || webSocketPort > 65535) {
            throw new IllegalArgumentException("port out of range: " + webSocketPort);
        }
    }

    /** A port the OS says is free now; QEMU binds it moments later (a lost race makes the start retry). */
    static VncDisplay pickFree(InetAddress bindAddress) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(bindAddress, 0));
            return new VncDisplay(s.getLocalPort());
        }
    }

    /** The -vnc option: no password, as the in-VM server on the other forwarded ports has none either. */
    List<String> args(Path socket, String bindHost) {
        String h = bindHost.contains(":") ? "[" + bindHost + "]" : bindHost;
        return List.of("-vnc", "unix:" + socket + ",websocket=" + h + ":" + webSocketPort);
    }

    /** What QEMU says when the WebSocket port was taken before it bound it. */
    static boolean portTaken(String qemuOutput) {
        return qemuOutput.contains("Failed to find an available port");
    }
}
