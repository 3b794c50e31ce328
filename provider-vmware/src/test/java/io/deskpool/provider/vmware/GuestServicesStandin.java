package io.deskpool.provider.vmware;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST DOUBLE for the services a real OSWorld guest runs: the in-VM server's {@code GET /screenshot} and
 * Chrome's {@code GET /json/version}, each on its own port on 127.0.0.1 (the stand-in vmrun reports
 * 127.0.0.1 as the guest IP). {@link #portsSetting()} is the {@code VMWARE_GUEST_PORTS} value that points the
 * provider at them.
 */
final class GuestServicesStandin implements AutoCloseable {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private final HttpServer server;
    private final HttpServer cdp;
    final AtomicInteger requests = new AtomicInteger();

    private GuestServicesStandin(HttpServer server, HttpServer cdp) {
        this.server = server;
        this.cdp = cdp;
    }

    static GuestServicesStandin start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        HttpServer cdp = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        var standin = new GuestServicesStandin(server, cdp);
        server.createContext("/screenshot", ex -> standin.answer(ex, "image/png", PNG_SIGNATURE));
        server.createContext("/platform", ex -> standin.answer(ex, "text/plain", "Linux".getBytes(StandardCharsets.UTF_8)));
        cdp.createContext("/json/version", ex -> standin.answer(ex, "application/json",
                "{\"Browser\":\"Chrome/stand-in\"}".getBytes(StandardCharsets.UTF_8)));
        server.start();
        cdp.start();
        return standin;
    }

    String portsSetting() {
        return server.getAddress().getPort() + "," + cdp.getAddress().getPort() + ",0,0";
    }

    private void answer(HttpExchange ex, String type, byte[] body) throws IOException {
        requests.incrementAndGet();
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        cdp.stop(0);
    }
}
