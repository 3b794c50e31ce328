package io.deskpool.server.chaos;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a Deskpool server and its VMs, in test code, that can be made to break its promises: hand one VM
 * to every client at once, or hand VMs out without clearing them. Each VM is a small HTTP server answering
 * {@code POST /execute} for the chaos client's marker commands.
 */
final class FakePoolServer implements AutoCloseable {
    enum Behaviour {
        /** Each lease gets a VM nobody else holds, cleared before it is handed out again. */
        CORRECT,
        /** Every lease gets the same VM. */
        ONE_VM_FOR_ALL,
        /** VMs are handed out again without being cleared. */
        NEVER_CLEARED
    }

    private final Behaviour behaviour;
    private final int port;
    private volatile HttpServer api;
    private final List<Guest> guests = new ArrayList<>();
    private final Map<String, Guest> leased = new ConcurrentHashMap<>();
    private final AtomicInteger leases = new AtomicInteger();

    FakePoolServer(Behaviour behaviour, int vms) throws IOException {
        this.behaviour = behaviour;
        for (int i = 0; i < vms; i++) {
            guests.add(new Guest("vm-" + i));
        }
        api = listen(0);
        port = api.getAddress().getPort();
    }

    private HttpServer listen(int onPort) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 0);
        server.createContext("/v1/leases", this::leases);
        server.start();
        return server;
    }

    int port() {
        return port;
    }

    /**
     * The API is gone for {@code downMillis}, then back on the same port with the same leases (a restart). Calls in
     * flight get their answers first: a lease granted in a reply that never arrived is one no client can release,
     * which is the stand-in's doing, not the client's.
     */
    void restart(long downMillis) throws IOException, InterruptedException {
        api.stop(1);
        Thread.sleep(downMillis);
        api = listen(port);
    }

    /** Leases granted and never released. */
    java.util.Set<String> unreleased() {
        return java.util.Set.copyOf(leased.keySet());
    }

    private synchronized Guest take() {
        if (behaviour == Behaviour.ONE_VM_FOR_ALL) {
            return guests.get(0);
        }
        for (Guest g : guests) {
            if (!leased.containsValue(g)) {
                return g;
            }
        }
        return null;
    }

    private void leases(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (method.equals("POST") && path.equals("/v1/leases")) {
                Guest g = take();
                if (g == null) {
                    send(ex, 503, "{\"error\": \"acquire_timeout\"}");
                    return;
                }
                String id = "lease-" + leases.incrementAndGet();
                leased.put(id, g);
                send(ex, 201, "{\"lease_id\": \"" + id + "\", \"vm_id\": \"" + g.id + "\", \"endpoints\": {\"host\": "
                        + "\"127.0.0.1\", \"server_port\": " + g.port() + "}}");
            } else if (method.equals("POST") && path.endsWith("/heartbeat")) {
                send(ex, 200, "{}");
            } else if (method.equals("DELETE")) {
                Guest g = leased.remove(path.substring("/v1/leases/".length()));
                if (g != null && behaviour != Behaviour.NEVER_CLEARED) {
                    g.marker = "";
                }
                ex.sendResponseHeaders(204, -1);
            } else {
                send(ex, 404, "{}");
            }
        }
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        api.stop(0);
        guests.forEach(g -> g.server.stop(0));
    }

    /** A VM's in-VM server: it keeps the marker file's content. */
    private static final class Guest {
        final String id;
        final HttpServer server;
        volatile String marker = "";

        Guest(String id) throws IOException {
            this.id = id;
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/execute", this::execute);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        private void execute(HttpExchange ex) throws IOException {
            try (ex) {
                String command = ChaosHttp.JSON.readTree(ex.getRequestBody()).path("command").asText();
                String output = "";
                if (command.startsWith("echo '")) {
                    marker = command.substring(6, command.indexOf('\'', 6)) + "\n";
                } else if (command.startsWith("cat ")) {
                    output = marker;
                }
                send(ex, 200, "{\"returncode\": 0, \"output\": " + ChaosHttp.quote(output) + "}");
            }
        }
    }
}
