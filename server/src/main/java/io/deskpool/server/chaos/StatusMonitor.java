package io.deskpool.server.chaos;

import java.time.Duration;
import java.util.Locale;

/** Asks {@code /status} twice a second; an answer slower than 1 s (or none) is a violation unless the server restarts. */
final class StatusMonitor implements Runnable {
    static final Duration BOUND = Duration.ofSeconds(1);

    private final ServerProcess server;
    private final ChaosHttp http;
    private final ChaosLedger ledger;
    private final ChaosClock clock;
    private volatile double slowest;

    StatusMonitor(ServerProcess server, ChaosHttp http, ChaosLedger ledger, ChaosClock clock) {
        this.server = server;
        this.http = http;
        this.ledger = ledger;
        this.clock = clock;
    }

    double slowestSeconds() {
        return slowest;
    }

    @Override
    public void run() {
        while (clock.running()) {
            if (!server.restarting()) {
                ChaosHttp.Reply r = http.send("GET", server.baseUrl() + "/status", null, null, BOUND.plusSeconds(4));
                double took = ChaosClock.seconds(r.receivedNanos() - r.sentNanos());
                if (!server.restarting()) {
                    slowest = Math.max(slowest, took);
                    if (r.status() != 200 || took > BOUND.toMillis() / 1000.0) {
                        ledger.violation(Invariant.STATUS_SLOW, String.format(Locale.ROOT,
                                "/status answered %d after %.2f s, %.0f s after the server came up", r.status(), took,
                                server.upSeconds()));
                    }
                }
            }
            clock.pause(Duration.ofMillis(500));
        }
    }
}
