package io.deskpool.server.chaos;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The run's report: as JSON ({@code --json}) and as a table. */
final class ChaosReport {
    /**
     * Faults a run must have had room for (at one every --fault-every, outside the quiet end) for none injected to
     * fail it: by chance alone a run with room for 5 injects none less than 1 % of the time (e^-5).
     */
    static final double ROOM_FOR_FAULTS = 5;

    private ChaosReport() {
    }

    static Map<String, Object> json(ChaosOptions options, ChaosLedger ledger, double slowestStatus, List<String> leftovers) {
        var m = new LinkedHashMap<String, Object>();
        m.put("provider", options.provider());
        m.put("minutes", options.length().toSeconds() / 60.0);
        m.put("clients", options.clients());
        m.put("vms", options.vms());
        m.put("health_interval_seconds", options.healthInterval().toMillis() / 1000.0);
        var faults = new LinkedHashMap<String, Object>();
        ledger.faults().forEach((k, n) -> faults.put(k.wireName(), n));
        m.put("faults", faults);
        var skipped = new LinkedHashMap<String, Object>();
        ledger.skipped().forEach((k, why) -> skipped.put(k.wireName(), why));
        m.put("faults_not_injected", skipped);
        var violations = new LinkedHashMap<String, Object>();
        ledger.violations().forEach((k, n) -> violations.put(k.wireName(), n));
        m.put("violations", violations);
        var recovery = new LinkedHashMap<String, Object>();
        for (FaultKind k : FaultKind.values()) {
            List<Double> samples = ledger.recovery(k);
            if (samples.isEmpty() && ledger.unrecovered(k) == 0) {
                continue;
            }
            var r = new LinkedHashMap<String, Object>();
            r.put("p50", round(ChaosLedger.quantile(samples, 0.50)));
            r.put("p99", round(ChaosLedger.quantile(samples, 0.99)));
            r.put("n", samples.size());
            r.put("unrecovered", ledger.unrecovered(k));
            recovery.put(k.wireName(), r);
        }
        m.put("recovery_seconds", recovery);
        var told = new LinkedHashMap<String, Object>();
        told.put("p50", round(ChaosLedger.quantile(ledger.toldSeconds(), 0.50)));
        told.put("p99", round(ChaosLedger.quantile(ledger.toldSeconds(), 0.99)));
        told.put("n", ledger.toldSeconds().size());
        m.put("lost_lease_told_seconds", told);
        m.put("episodes_completed", ledger.episodes.get());
        m.put("episodes_interrupted", ledger.episodesInterrupted.get());
        m.put("handouts", ledger.handouts());
        m.put("wait_p99_seconds", round(ChaosLedger.quantile(ledger.waitSeconds(), 0.99)));
        m.put("quota_rejections", ledger.quotaRejections.get());
        m.put("status_slowest_seconds", round(slowestStatus));
        m.put("leftovers", leftovers);
        var notes = new ArrayList<String>(ledger.notes());
        double room = roomForFaults(options);
        int injected = ledger.faults().values().stream().mapToInt(Integer::intValue).sum();
        boolean nothingBroken = injected == 0 && room >= ROOM_FOR_FAULTS;
        if (nothingBroken) {
            notes.add(String.format(Locale.ROOT, "no_faults: no fault was injected though the run had room for about %.0f"
                    + " (faults_not_injected says which kinds could not be); a run that breaks nothing proves nothing",
                    room));
        }
        m.put("violation_notes", notes);
        m.put("ok", ledger.totalViolations() == 0 && !nothingBroken);
        return m;
    }

    /** How many faults the run had room for: its length less the quiet end, at one every --fault-every. */
    static double roomForFaults(ChaosOptions options) {
        long window = options.length().minus(FaultInjector.QUIET_END).toMillis();
        return Math.max(0, window) / (double) options.faultEvery().toMillis();
    }

    /** Whether the run passed: no violation, and some fault injected if it had room for them. */
    static boolean passed(Map<String, Object> report) {
        return Boolean.TRUE.equals(report.get("ok"));
    }

    static void table(Map<String, Object> report, PrintStream out) {
        out.printf(Locale.ROOT, "chaos: %s, %.1f min, %s clients, %s VMs, health interval %s s%n", report.get("provider"),
                (Double) report.get("minutes"), report.get("clients"), report.get("vms"), report.get("health_interval_seconds"));
        out.println();
        out.println("| fault | injected | recovery p50 (s) | recovery p99 (s) | not recovered (by the end) |");
        out.println("|---|---|---|---|---|");
        Map<?, ?> faults = (Map<?, ?>) report.get("faults");
        Map<?, ?> recovery = (Map<?, ?>) report.get("recovery_seconds");
        Map<?, ?> skipped = (Map<?, ?>) report.get("faults_not_injected");
        faults.forEach((kind, n) -> {
            Map<?, ?> r = (Map<?, ?>) recovery.get(kind);
            String note = skipped.containsKey(kind) ? " (" + skipped.get(kind) + ")" : "";
            out.printf(Locale.ROOT, "| %s | %s%s | %s | %s | %s |%n", kind, n, note, r == null ? "-" : r.get("p50"),
                    r == null ? "-" : r.get("p99"), r == null ? "-" : r.get("unrecovered"));
        });
        out.println();
        out.println("| invariant | violations |");
        out.println("|---|---|");
        ((Map<?, ?>) report.get("violations")).forEach((k, n) -> out.printf("| %s | %s |%n", k, n));
        out.println();
        Map<?, ?> told = (Map<?, ?>) report.get("lost_lease_told_seconds");
        out.printf(Locale.ROOT, "hand-outs %s, wait p99 %s s, episodes completed %s (interrupted %s), quota rejections %s,"
                        + " leases told lost: p50 %s s, p99 %s s (n=%s), slowest /status %s s%n",
                report.get("handouts"), report.get("wait_p99_seconds"), report.get("episodes_completed"),
                report.get("episodes_interrupted"), report.get("quota_rejections"), told.get("p50"), told.get("p99"),
                told.get("n"), report.get("status_slowest_seconds"));
        for (Object note : (List<?>) report.get("violation_notes")) {
            out.println("  ! " + note);
        }
        boolean violated = ((Map<?, ?>) report.get("violations")).values().stream().anyMatch(n -> ((Integer) n) > 0);
        out.println(passed(report) ? "OK: no violations" : violated ? "FAILED: invariants were violated"
                : "FAILED: no fault was injected");
    }

    private static Object round(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 100) / 100.0;
    }
}
