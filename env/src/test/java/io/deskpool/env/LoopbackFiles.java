package io.deskpool.env;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on a loopback address for download tests: {@code /file/<text>} answers the text (chunked unless
 * the path ends in {@code .len}), {@code /bytes/<n>} and {@code /sized/<n>} n zero bytes (chunked, or with a
 * Content-Length), {@code /redirect?to=<url>} a 302 to that URL. It counts the requests each path got, so a test can
 * tell that a refused URL was never fetched.
 */
final class LoopbackFiles implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    LoopbackFiles(String address) throws IOException {
        this(address, 0);
    }

    LoopbackFiles(String address, int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), port), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url(String path) {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + port() + path;
    }

    int hits(String path) {
        return hits.getOrDefault(path, new AtomicInteger()).get();
    }

    int total() {
        return total.get();
    }

    private void handle(HttpExchange x) throws IOException {
        total.incrementAndGet();
        String path = x.getRequestURI().getPath();
        hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        try (x; OutputStream out = x.getResponseBody()) {
            if (path.equals("/redirect")) {
                String to = x.getRequestURI().getQuery().substring("to=".length());
                x.getResponseHeaders().add("Location", to);
                x.sendResponseHeaders(302, -1);
                return;
            }
            if (path.startsWith("/file/")) {
                byte[] body = path.substring("/file/".length()).getBytes(StandardCharsets.UTF_8);
                x.sendResponseHeaders(200, path.endsWith(".len") ? body.length : 0);
                out.write(body);
                return;
            }
            if (path.startsWith("/bytes/") || path.startsWith("/sized/")) {
                int n = Integer.parseInt(path.substring("/bytes/".length()));
                x.sendResponseHeaders(200, path.startsWith("/sized/") ? n : 0);
                out.write(new byte[n]);
                return;
            }
            x.sendResponseHeaders(404, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
