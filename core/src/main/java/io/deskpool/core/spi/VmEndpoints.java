package io.deskpool.core.spi;

import java.net.URI;

import static java.util.Objects.requireNonNull;

/**
 * Where a VM's services answer: one host and the ports of the in-VM server (guest port 5000), Chrome's
 * DevTools endpoint (9222), the VNC viewer (noVNC on 8006 in OSWorld's Docker image) and VLC's HTTP interface
 * (8080). A port is 0 when the backend does not expose that service. {@code vncWebSocketPath} is where the VNC
 * WebSocket answers on {@code vncPort}: noVNC's {@code /websockify} behind the images' web servers, {@code /} on
 * QEMU's own WebSocket listener.
 */
public record VmEndpoints(String host, int serverPort, int cdpPort, int vncPort, int vlcPort, String vncWebSocketPath) {
    public static final int GUEST_SERVER_PORT = 5000;
    public static final int GUEST_CDP_PORT = 9222;
    public static final int GUEST_VNC_PORT = 8006;
    public static final int GUEST_VLC_PORT = 8080;
    /** The WebSocket path of noVNC's websockify (also behind the OSWorld Docker image's nginx). */
    public static final String NOVNC_WEBSOCKET_PATH = "/websockify";

    public VmEndpoints {
        requireNonNull(host, "host is null");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host is blank");
        }
        checkPort("serverPort", serverPort);
        checkPort("cdpPort", cdpPort);
        checkPort("vncPort", vncPort);
        checkPort("vlcPort", vlcPort);
        requireNonNull(vncWebSocketPath, "vncWebSocketPath is null");
        if (!vncWebSocketPath.startsWith("/")) {
            throw new IllegalArgumentException("vncWebSocketPath must start with '/', got '" + vncWebSocketPath + "'");
        }
    }

    /** Endpoints whose VNC WebSocket is noVNC's ({@link #NOVNC_WEBSOCKET_PATH}). */
    public VmEndpoints(String host, int serverPort, int cdpPort, int vncPort, int vlcPort) {
        this(host, serverPort, cdpPort, vncPort, vlcPort, NOVNC_WEBSOCKET_PATH);
    }

    /** The guest's own ports on a host that reaches the guest directly (an EC2 private IP, a VMware guest IP). */
    public static VmEndpoints direct(String host) {
        return new VmEndpoints(host, GUEST_SERVER_PORT, GUEST_CDP_PORT, GUEST_VNC_PORT, GUEST_VLC_PORT);
    }

    public URI serverUri(String path) {
        return uri(serverPort, path);
    }

    public URI cdpUri(String path) {
        return uri(cdpPort, path);
    }

    /** The VNC WebSocket ({@code ws://host:vncPort/path}). */
    public URI vncWebSocketUri() {
        if (vncPort == 0) {
            throw new IllegalStateException("this VM does not expose VNC");
        }
        return URI.create("ws://" + bracketed() + ":" + vncPort + vncWebSocketPath);
    }

    public URI uri(int port, String path) {
        if (port == 0) {
            throw new IllegalStateException("this VM does not expose that service");
        }
        return URI.create("http://" + bracketed() + ":" + port + (path.startsWith("/") ? path : "/" + path));
    }

    private String bracketed() {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static void checkPort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " must be 0..65535, got " + port);
        }
    }
}
