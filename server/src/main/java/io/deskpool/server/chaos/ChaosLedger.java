package io.deskpool.server.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the chaos run saw, from every thread: faults, violations, recovery times, hand-outs, episodes, and each
 * lease's confirmed interval for the checks made at the end. A lease's interval runs from the moment its grant was
 * received to the moment its last successful confirmation was sent: the server held the lease for at least that
 * long, so overlapping intervals are proof, never a guess.
 */
final class ChaosLedger {
    /** One lease as its client saw it confirmed, in System.nanoTime. */
    record Held(String token, String vmId, String client, String leaseId, long fromNanos, long toNanos) {
    }

    private final Map<Invariant, AtomicInteger> violations = new EnumMap<>(Invariant.class);
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private final Map<FaultKind, AtomicInteger> faults = new EnumMap<>(FaultKind.class);
    private final Map<FaultKind, String> skipped = new ConcurrentHashMap<>();
    private final Map<FaultKind, List<Double>> recovery = new EnumMap<>(FaultKind.class);
    private final Map<FaultKind, AtomicInteger> unrecovered = new EnumMap<>(FaultKind.class);
    private final List<Double> toldSeconds = new CopyOnWriteArrayList<>();
    private final List<Double> waitSeconds = new CopyOnWriteArrayList<>();
    private final List<Long> handoutNanos = new CopyOnWriteArrayList<>();
    private final List<Held> held = new CopyOnWriteArrayList<>();
    final AtomicInteger episodes = new AtomicInteger();
    final AtomicInteger episodesInterrupted = new AtomicInteger();
    final AtomicInteger quotaRejections = new AtomicInteger();
    final AtomicInteger leasesToldLost = new AtomicInteger();

    ChaosLedger() {
        for (Invariant i : Invariant.values()) {
            violations.put(i, new AtomicInteger());
        }
        for (FaultKind k : FaultKind.values()) {
            faults.put(k, new AtomicInteger());
            recovery.put(k, new CopyOnWriteArrayList<>());
            unrecovered.put(k, new AtomicInteger());
        }
    }

    void violation(Invariant what, String note) {
        violations.get(what).incrementAndGet();
        if (notes.size() < 100) {
            notes.add(what.wireName() + ": " + note);
        }
    }

    void fault(FaultKind kind) {
        faults.get(kind).incrementAndGet();
    }

    void skipped(FaultKind kind, String why) {
        skipped.putIfAbsent(kind, why);
    }

    void recovered(FaultKind kind, double seconds) {
        recovery.get(kind).add(seconds);
    }

    void notRecovered(FaultKind kind) {
        unrecovered.get(kind).incrementAndGet();
    }

    void told(double seconds) {
        toldSeconds.add(seconds);
    }

    void handout(double waitedSeconds) {
        waitSeconds.add(waitedSeconds);
        handoutNanos.add(System.nanoTime());
    }

    void held(Held h) {
        held.add(h);
    }

    /** Whether a client got a clean VM (its marker written) after {@code nanos}. */
    boolean handoutAfter(long nanos) {
        for (Long t : handoutNanos) {
            if (t > nanos) {
                return true;
            }
        }
        return false;
    }

    int faults(FaultKind kind) {
        return faults.get(kind).get();
    }

    int violations(Invariant i) {
        return violations.get(i).get();
    }

    int totalViolations() {
        return violations.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /**
     * The checks made on the confirmed lease intervals: no token above its limit at any moment, and no VM held
     * by two leases at once.
     */
    void checkIntervals(Map<String, Integer> limits) {
        var byToken = new HashMap<String, List<Held>>();
        var byVm = new HashMap<String, List<Held>>();
        for (Held h : held) {
            byToken.computeIfAbsent(h.token(), t -> new ArrayList<>()).add(h);
            byVm.computeIfAbsent(h.vmId(), t -> new ArrayList<>()).add(h);
        }
        byToken.forEach((token, list) -> {
            int limit = limits.getOrDefault(token, Integer.MAX_VALUE);
            int peak = peak(list);
            if (peak > limit) {
                violation(Invariant.TOKEN_OVER_LIMIT, "token " + token + " held " + peak + " leases at once, limit " + limit);
            }
        });
        byVm.forEach((vm, list) -> {
            if (peak(list) > 1) {
                violation(Invariant.SHARED_VM, "VM " + vm + " was confirmed to two leases at once");
            }
        });
    }

    /** Most intervals open at one instant; touching ends do not overlap. */
    private static int peak(List<Held> list) {
        var edges = new ArrayList<long[]>();
        for (Held h : list) {
            edges.add(new long[]{h.fromNanos(), 1});
            edges.add(new long[]{h.toNanos(), -1});
        }
        edges.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
        int open = 0;
        int peak = 0;
        for (long[] e : edges) {
            open += (int) e[1];
            peak = Math.max(peak, open);
        }
        return peak;
    }

    Map<FaultKind, Integer> faults() {
        var m = new EnumMap<FaultKind, Integer>(FaultKind.class);
        faults.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    Map<FaultKind, String> skipped() {
        return Map.copyOf(skipped);
    }

    Map<Invariant, Integer> violations() {
        var m = new EnumMap<Invariant, Integer>(Invariant.class);
        violations.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    List<String> notes() {
        return List.copyOf(notes);
    }

    List<Double> recovery(FaultKind kind) {
        return List.copyOf(recovery.get(kind));
    }

    int unrecovered(FaultKind kind) {
        return unrecovered.get(kind).get();
    }

    List<Double> toldSeconds() {
        return List.copyOf(toldSeconds);
    }

    List<Double> waitSeconds() {
        return List.copyOf(waitSeconds);
    }

    int handouts() {
        return handoutNanos.size();
    }

    /** The value at quantile q (0..1) by nearest rank, or NaN for no samples. */
    static double quantile(List<Double> samples, double q) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
