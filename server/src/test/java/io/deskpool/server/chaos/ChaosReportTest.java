package io.deskpool.server.chaos;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The report's verdict: a run passes only if it broke no promise and, when it had room for faults, injected some. */
class ChaosReportTest {
    private static ChaosOptions options(String... args) {
        return ChaosOptions.parse(List.of(args));
    }

    private static Map<String, Object> report(ChaosOptions options, ChaosLedger ledger) {
        return ChaosReport.json(options, ledger, 0.05, List.of());
    }

    private static String table(Map<String, Object> report) {
        var out = new ByteArrayOutputStream();
        ChaosReport.table(report, new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void a_run_with_room_for_faults_that_injected_none_fails() {
        // 3 minutes less the 45 s quiet end, one fault every 15 s: room for 9.
        Map<String, Object> report = report(options("--minutes", "3", "--fault-every", "15"), new ChaosLedger());

        assertThat(report.get("ok")).isEqualTo(false);
        assertThat(ChaosCommand.exitStatus(report)).isEqualTo(1);
        assertThat((List<?>) report.get("violation_notes")).singleElement().asString()
                .startsWith("no_faults: no fault was injected though the run had room for about 9");
        assertThat(table(report)).contains("  ! no_faults: no fault was injected").endsWith("FAILED: no fault was injected\n");
    }

    @Test
    void a_run_that_injected_faults_and_broke_no_promise_passes() {
        ChaosLedger ledger = new ChaosLedger();
        ledger.fault(FaultKind.SERVER_KILL);

        Map<String, Object> report = report(options("--minutes", "3", "--fault-every", "15"), ledger);

        assertThat(report.get("ok")).isEqualTo(true);
        assertThat(ChaosCommand.exitStatus(report)).isZero();
        assertThat((List<?>) report.get("violation_notes")).isEmpty();
        assertThat(table(report)).endsWith("OK: no violations\n");
    }

    @Test
    void a_run_too_short_for_faults_passes_without_any() {
        // 1 minute less the 45 s quiet end: room for one fault every 15 s, which chance alone may not bring.
        Map<String, Object> report = report(options("--minutes", "1", "--fault-every", "15"), new ChaosLedger());

        assertThat(ChaosReport.roomForFaults(options("--minutes", "1", "--fault-every", "15"))).isEqualTo(1.0);
        assertThat(report.get("ok")).isEqualTo(true);
        assertThat(ChaosCommand.exitStatus(report)).isZero();
    }

    @Test
    void a_run_with_faults_and_a_violation_fails_on_the_violation() {
        ChaosLedger ledger = new ChaosLedger();
        ledger.fault(FaultKind.KILL_LEASED);
        ledger.violation(Invariant.STATUS_SLOW, "/status answered 200 after 1.50 s");

        Map<String, Object> report = report(options("--minutes", "3"), ledger);

        assertThat(report.get("ok")).isEqualTo(false);
        assertThat(ChaosCommand.exitStatus(report)).isEqualTo(1);
        assertThat(table(report)).endsWith("FAILED: invariants were violated\n");
    }
}
