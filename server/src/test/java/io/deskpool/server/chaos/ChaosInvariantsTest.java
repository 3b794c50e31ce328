package io.deskpool.server.chaos;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chaos run's checks catch what they claim to: clients of a pool that breaks a promise (a stand-in that does so
 * on purpose) report it, and a pool that keeps them reports nothing.
 */
class ChaosInvariantsTest {
    private static final Duration RUN = Duration.ofSeconds(6);

    private static ChaosLedger runClients(FakePoolServer.Behaviour behaviour, int clients, int vms) throws Exception {
        ChaosLedger ledger = new ChaosLedger();
        try (FakePoolServer fake = new FakePoolServer(behaviour, vms)) {
            ChaosHttp http = new ChaosHttp();
            ServerProcess server = new ServerProcess(Map.of(), Path.of("unused.log"), fake.port(), http);
            ChaosClock clock = new ChaosClock(RUN);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Thread t = new Thread(new LeaseClient("client-" + i, "token-" + i, server, http, ledger, clock, i,
                        Duration.ofSeconds(2)));
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(60).toMillis());
            }
        }
        return ledger;
    }

    @Test
    void clients_handed_one_vm_at_once_report_a_shared_vm() throws Exception {
        ChaosLedger ledger = runClients(FakePoolServer.Behaviour.ONE_VM_FOR_ALL, 2, 2);
        ledger.checkIntervals(Map.of());

        assertThat(ledger.violations(Invariant.SHARED_VM)).isPositive();
    }

    @Test
    void a_vm_handed_out_with_an_earlier_clients_marker_is_a_dirty_handout() throws Exception {
        ChaosLedger ledger = runClients(FakePoolServer.Behaviour.NEVER_CLEARED, 1, 1);

        assertThat(ledger.violations(Invariant.DIRTY_HANDOUT)).isPositive();
        assertThat(ledger.notes()).anySatisfy(n -> assertThat(n).contains("client-0:lease-1"));
    }

    @Test
    void clients_of_a_pool_that_keeps_its_promises_report_nothing() throws Exception {
        ChaosLedger ledger = runClients(FakePoolServer.Behaviour.CORRECT, 2, 2);
        ledger.checkIntervals(Map.of("token-0", 1, "token-1", 1));

        assertThat(ledger.handouts()).isPositive();
        assertThat(ledger.totalViolations()).as(ledger.notes().toString()).isZero();
    }

    @Test
    void clients_keep_their_leases_through_server_restarts_and_release_each_one() throws Exception {
        ChaosLedger ledger = new ChaosLedger();
        try (FakePoolServer fake = new FakePoolServer(FakePoolServer.Behaviour.CORRECT, 2)) {
            ChaosHttp http = new ChaosHttp();
            ServerProcess server = new ServerProcess(Map.of(), Path.of("unused.log"), fake.port(), http);
            ChaosClock clock = new ChaosClock(RUN);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Thread t = new Thread(new LeaseClient("client-" + i, "token-" + i, server, http, ledger, clock, i,
                        Duration.ofSeconds(2)));
                t.start();
                threads.add(t);
            }
            while (clock.running()) {
                Thread.sleep(700);
                fake.restart(800);
            }
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(60).toMillis());
            }
            ledger.checkIntervals(Map.of("token-0", 1, "token-1", 1));

            assertThat(ledger.handouts()).isPositive();
            assertThat(fake.unreleased()).as("leases left to run out their TTL").isEmpty();
            assertThat(ledger.totalViolations()).as(ledger.notes().toString()).isZero();
        }
    }

    @Test
    void a_token_confirmed_on_more_leases_at_once_than_its_limit_is_over_its_limit() {
        ChaosLedger ledger = new ChaosLedger();
        ledger.held(new ChaosLedger.Held("alpha", "vm-1", "c1", "l1", 0, 100));
        ledger.held(new ChaosLedger.Held("alpha", "vm-2", "c2", "l2", 50, 150));

        ledger.checkIntervals(Map.of("alpha", 1));

        assertThat(ledger.violations(Invariant.TOKEN_OVER_LIMIT)).isEqualTo(1);
        assertThat(ledger.violations(Invariant.SHARED_VM)).isZero();
    }

    @Test
    void leases_that_only_touch_end_to_start_do_not_overlap() {
        ChaosLedger ledger = new ChaosLedger();
        ledger.held(new ChaosLedger.Held("alpha", "vm-1", "c1", "l1", 0, 100));
        ledger.held(new ChaosLedger.Held("alpha", "vm-1", "c2", "l2", 100, 150));

        ledger.checkIntervals(Map.of("alpha", 1));

        assertThat(ledger.totalViolations()).isZero();
    }

    @Test
    void one_vm_confirmed_to_two_leases_at_once_is_shared() {
        ChaosLedger ledger = new ChaosLedger();
        ledger.held(new ChaosLedger.Held("alpha", "vm-1", "c1", "l1", 0, 100));
        ledger.held(new ChaosLedger.Held("beta", "vm-1", "c2", "l2", 99, 150));

        ledger.checkIntervals(Map.of());

        assertThat(ledger.violations(Invariant.SHARED_VM)).isEqualTo(1);
    }
}
