package io.deskpool.server.chaos;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code lost_lease_not_told} check, against a stand-in lease API: a lease that keeps answering 200 after its VM
 * was killed, or answers 410 only after the bound, is reported; one that answers 410 in time, or 404 because its
 * client released it, is not. The stand-in answers the admin token only, as the real server's lease view does for
 * someone else's lease.
 */
class LostLeaseWatchTest {
    private static final String ADMIN = "admin-secret";
    private static final String LEASE = "lease-1";

    private HttpServer standIn;

    /** A stand-in lease API whose GET /v1/leases/lease-1 answers {@code status} (to the admin; 401 to anyone else). */
    private ServerProcess leaseAnswering(int status, String body) throws IOException {
        standIn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        standIn.createContext("/v1/leases/", ex -> {
            try (ex) {
                boolean admin = ("Bearer " + ADMIN).equals(ex.getRequestHeaders().getFirst("Authorization"));
                boolean known = ex.getRequestURI().getPath().equals("/v1/leases/" + LEASE);
                int s = !admin ? 401 : known ? status : 404;
                byte[] b = (s == status ? body : "{\"error\": \"not_found\"}").getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(s, b.length);
                ex.getResponseBody().write(b);
            }
        });
        standIn.start();
        return ServerProcess.alreadyUp(standIn.getAddress().getPort(), new ChaosHttp());
    }

    @AfterEach
    void stop() {
        if (standIn != null) {
            standIn.stop(0);
        }
    }

    /** Watches the lease until it is told, released, or {@code patience} past {@code bound} since the fault. */
    private static void watch(ServerProcess server, ChaosLedger ledger, long faultNanos, Duration bound,
                              Duration patience) {
        new LostLeaseWatch(server, new ChaosHttp(), ADMIN, ledger, LEASE, faultNanos, bound, patience).run();
    }

    @Test
    void a_lease_that_stays_active_after_its_vm_was_killed_is_not_told() throws Exception {
        ServerProcess server = leaseAnswering(200, "{\"lease_id\": \"lease-1\", \"state\": \"active\"}");
        ChaosLedger ledger = new ChaosLedger();

        watch(server, ledger, System.nanoTime(), Duration.ofSeconds(1), Duration.ofSeconds(1));

        assertThat(ledger.violations(Invariant.LOST_LEASE_NOT_TOLD)).isEqualTo(1);
        assertThat(ledger.notes()).containsExactly("lost_lease_not_told: lease lease-1 still looked active 2 s after its VM died");
        assertThat(ledger.toldSeconds()).isEmpty();
    }

    @Test
    void a_lease_told_it_is_lost_later_than_the_bound_is_not_told_in_time() throws Exception {
        ServerProcess server = leaseAnswering(410, "{\"error\": \"vm_lost\"}");
        ChaosLedger ledger = new ChaosLedger();
        long tenSecondsAgo = System.nanoTime() - Duration.ofSeconds(10).toNanos();

        watch(server, ledger, tenSecondsAgo, Duration.ofSeconds(5), Duration.ofSeconds(60));

        assertThat(ledger.violations(Invariant.LOST_LEASE_NOT_TOLD)).isEqualTo(1);
        assertThat(ledger.notes()).singleElement().asString().startsWith("lost_lease_not_told: lease lease-1 was told after 1")
                .endsWith("s (bound 5 s)");
        assertThat(ledger.toldSeconds()).singleElement().satisfies(s -> assertThat(s).isGreaterThanOrEqualTo(10.0));
    }

    @Test
    void a_lease_told_it_is_lost_within_the_bound_is_no_violation() throws Exception {
        ServerProcess server = leaseAnswering(410, "{\"error\": \"vm_lost\"}");
        ChaosLedger ledger = new ChaosLedger();

        watch(server, ledger, System.nanoTime(), Duration.ofSeconds(30), Duration.ofSeconds(1));

        assertThat(ledger.totalViolations()).as(ledger.notes().toString()).isZero();
        assertThat(ledger.toldSeconds()).hasSize(1);
    }

    @Test
    void a_lease_its_client_released_first_is_no_violation() throws Exception {
        ServerProcess server = leaseAnswering(404, "{\"error\": \"not_found\"}");
        ChaosLedger ledger = new ChaosLedger();

        watch(server, ledger, System.nanoTime(), Duration.ofSeconds(1), Duration.ofSeconds(1));

        assertThat(ledger.totalViolations()).isZero();
        assertThat(ledger.toldSeconds()).isEmpty();
    }
}
