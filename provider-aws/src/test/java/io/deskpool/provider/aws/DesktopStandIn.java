package io.deskpool.provider.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback stand-in for a desktop VM's readiness endpoints, in test code: the in-VM server's {@code GET
 * /screenshot} and {@code GET /platform}, and Chrome's {@code GET /json/version}, all on one port. Emulated instances have 10.x/172.x
 * addresses that lead nowhere (and must never be contacted), so the provider's probes are pointed here.
 */
final class DesktopStandIn implements AutoCloseable {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private final HttpServer server;
    private final List<String> hits = new CopyOnWriteArrayList<>();

    private DesktopStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    static DesktopStandIn start() {
        try {
            return new DesktopStandIn();
        } catch (IOException e) {
            throw new IllegalStateException("desktop stand-in could not bind a loopback port", e);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** {@code 127.0.0.1:PORT}, the value of {@code AWS_READINESS_HOST_OVERRIDE}. */
    String address() {
        return "127.0.0.1:" + port();
    }

    List<String> hits() {
        return List.copyOf(hits);
    }

    void clearHits() {
        hits.clear();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            hits.add(path);
            byte[] body;
            int status = 200;
            if (path.equals("/screenshot")) {
                body = PNG_SIGNATURE;
                ex.getResponseHeaders().add("Content-Type", "image/png");
            } else if (path.equals("/platform")) {
                body = "Linux".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "text/plain");
            } else if (path.equals("/json/version")) {
                body = "{\"Browser\":\"Chrome/stand-in\"}".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
            } else {
                status = 404;
                body = "not found".getBytes(StandardCharsets.UTF_8);
            }
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
