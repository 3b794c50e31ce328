package io.deskpool.server.chaos;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code status_slow} check: a stand-in server whose {@code /status} is slow or failing on purpose is reported,
 * one that answers at once is not.
 */
class StatusMonitorTest {
    private static final Duration WATCHED = Duration.ofSeconds(2);

    private final AtomicInteger asked = new AtomicInteger();
    private HttpServer standIn;

    /** A stand-in server whose /status waits {@code delayMillis}, then answers {@code status}. */
    private int statusAnswering(int status, long delayMillis) throws IOException {
        standIn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        standIn.createContext("/status", ex -> {
            try (ex) {
                asked.incrementAndGet();
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                byte[] body = "{\"status\": \"ok\"}".getBytes();
                ex.sendResponseHeaders(status, body.length);
                ex.getResponseBody().write(body);
            }
        });
        standIn.start();
        return standIn.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (standIn != null) {
            standIn.stop(0);
        }
    }

    private static StatusMonitor watch(ServerProcess server, ChaosLedger ledger) {
        StatusMonitor monitor = new StatusMonitor(server, new ChaosHttp(), ledger, new ChaosClock(WATCHED));
        monitor.run();
        return monitor;
    }

    @Test
    void a_status_that_answers_after_more_than_a_second_is_slow() throws Exception {
        int port = statusAnswering(200, 1500);
        ChaosLedger ledger = new ChaosLedger();

        StatusMonitor monitor = watch(ServerProcess.alreadyUp(port, new ChaosHttp()), ledger);

        assertThat(ledger.violations(Invariant.STATUS_SLOW)).isPositive();
        assertThat(monitor.slowestSeconds()).isGreaterThan(1.0);
        assertThat(ledger.notes()).anySatisfy(n -> assertThat(n).startsWith("status_slow: /status answered 200 after 1."));
    }

    @Test
    void a_status_that_answers_an_error_is_a_violation_however_fast() throws Exception {
        int port = statusAnswering(503, 0);
        ChaosLedger ledger = new ChaosLedger();

        watch(ServerProcess.alreadyUp(port, new ChaosHttp()), ledger);

        assertThat(ledger.violations(Invariant.STATUS_SLOW)).isPositive();
        assertThat(ledger.notes()).anySatisfy(n -> assertThat(n).startsWith("status_slow: /status answered 503"));
    }

    @Test
    void a_status_that_answers_at_once_is_not_slow() throws Exception {
        int port = statusAnswering(200, 0);
        ChaosLedger ledger = new ChaosLedger();

        watch(ServerProcess.alreadyUp(port, new ChaosHttp()), ledger);

        assertThat(asked.get()).as("times /status was asked").isGreaterThan(1);
        assertThat(ledger.totalViolations()).as(ledger.notes().toString()).isZero();
    }

    @Test
    void a_slow_status_while_the_server_restarts_is_not_counted() throws Exception {
        int port = statusAnswering(200, 1500);
        ChaosLedger ledger = new ChaosLedger();
        // Never started from here, so restarting: as between a kill and the next start's first prompt /status.
        ServerProcess restarting = new ServerProcess(Map.of(), Path.of("/dev/null"), port, new ChaosHttp());

        watch(restarting, ledger);

        assertThat(ledger.totalViolations()).isZero();
    }
}
