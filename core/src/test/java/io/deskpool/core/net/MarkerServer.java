package io.deskpool.core.net;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A TCP listener that answers every connection with a marker line naming the address it was reached at, then
 * closes. The network isolation tests run it in the host (loopback, the host's own addresses) and, as its own
 * process, inside a network namespace standing in for the internet and for internal networks. It stops by
 * itself after {@code lifetime} seconds, so a test that dies leaves nothing running for long.
 */
public final class MarkerServer implements AutoCloseable {
    public static final String MARKER = "deskpool-marker";

    private final ServerSocket socket;
    private final Thread thread;

    public MarkerServer(InetAddress bind, String name) throws IOException {
        socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(bind, 0));
        thread = new Thread(() -> serve(socket, name), "marker-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    public static String line(String name) {
        return MARKER + " " + name;
    }

    private static void serve(ServerSocket socket, String name) {
        while (!socket.isClosed()) {
            try (Socket c = socket.accept(); OutputStream out = c.getOutputStream()) {
                out.write((line(name) + " at " + c.getLocalAddress().getHostAddress() + "\n")
                        .getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // closed, or a client that went away
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** {@code MarkerServer PORT NAME LIFETIME_SECONDS}: listens on every address of its network namespace. */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        var server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(port));
        Thread t = new Thread(() -> serve(server, args[1]), "marker");
        t.setDaemon(true);
        t.start();
        System.out.println("listening");
        System.out.flush();
        Thread.sleep(Long.parseLong(args[2]) * 1000);
    }
}
