package io.deskpool.server;

import io.deskpool.core.settings.Settings;

import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * A server over the in-memory test provider (it boots nothing) with two client tokens and an admin token: the
 * cast of the security tests, Alice and Bob and the admin.
 */
final class MemoryServerBed implements AutoCloseable {
    static final String ALICE = "alice-secret-token";
    static final String BOB = "bob-secret-token";
    static final String ADMIN = "admin-secret-token";

    final DeskpoolServer server;
    final HttpCalls http;

    private MemoryServerBed(DeskpoolServer server) {
        this.server = server;
        this.http = new HttpCalls("http://127.0.0.1:" + server.port());
    }

    static MemoryServerBed start(Path state, Map<String, String> extra) {
        var s = new HashMap<>(Map.of(
                "PROVIDER", "memory", "STATE_DIR", state.toString(), "HOST", "127.0.0.1", "PORT", "0",
                "TOKENS", ALICE + ":2," + BOB + ":2", "ADMIN_TOKEN", ADMIN, "POOL_SIZE", "4", "POOL_WARM", "1",
                "START_WAIT", "5"));
        s.putAll(extra);
        return new MemoryServerBed(DeskpoolServer.start(Settings.of(s), Clock.systemUTC()));
    }

    String label(String token) {
        return server.tokenRedactor().redact(token);
    }

    @Override
    public void close() {
        server.close();
    }
}
