package io.deskpool.server.chaos;

import java.time.Duration;
import java.util.Locale;

/**
 * The {@code lost_lease_not_told} check for one lease whose VM was killed or frozen: asked as the admin every 100 ms,
 * the lease must answer 410 within {@code bound} of the fault. Told later is a violation; still active
 * {@code patience} past the bound is one too. A 404 (its client released it first) or a server restart (which ends
 * every lease anyway) ends the watch without one.
 */
final class LostLeaseWatch implements Runnable {
    private static final Duration CALL = Duration.ofSeconds(5);

    private final ServerProcess server;
    private final ChaosHttp http;
    private final String admin;
    private final ChaosLedger ledger;
    private final String leaseId;
    private final long faultNanos;
    private final Duration bound;
    private final Duration patience;

    /**
     * @param faultNanos when the VM was broken (System.nanoTime)
     * @param bound      how soon the lease must be told (HEALTH_INTERVAL + 5 s in a run)
     * @param patience   how long past the bound it is still asked before it counts as never told
     */
    LostLeaseWatch(ServerProcess server, ChaosHttp http, String admin, ChaosLedger ledger, String leaseId,
                   long faultNanos, Duration bound, Duration patience) {
        this.server = server;
        this.http = http;
        this.admin = admin;
        this.ledger = ledger;
        this.leaseId = leaseId;
        this.faultNanos = faultNanos;
        this.bound = bound;
        this.patience = patience;
    }

    @Override
    public void run() {
        long deadline = faultNanos + bound.toNanos() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            if (server.restarting()) {
                return; // the restart ends every lease anyway
            }
            ChaosHttp.Reply r = http.send("GET", server.baseUrl() + "/v1/leases/" + leaseId, admin, null, CALL);
            if (r.status() == 410) {
                double took = ChaosClock.seconds(r.sentNanos() - faultNanos);
                ledger.told(Math.max(0, took));
                if (took > bound.toMillis() / 1000.0) {
                    ledger.violation(Invariant.LOST_LEASE_NOT_TOLD, "lease " + leaseId + " was told after "
                            + String.format(Locale.ROOT, "%.1f", took) + " s (bound " + bound.toSeconds() + " s)");
                }
                return;
            }
            if (r.status() == 404) {
                return; // its client released it first, or the server restarted
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        ledger.violation(Invariant.LOST_LEASE_NOT_TOLD, "lease " + leaseId + " still looked active "
                + bound.plus(patience).toSeconds() + " s after its VM died");
    }
}
