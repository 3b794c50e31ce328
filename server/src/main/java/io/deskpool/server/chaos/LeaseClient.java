package io.deskpool.server.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;

/**
 * A client of {@code /v1/leases}, acting like an agent: it leases a VM, checks that nobody's marker is in it, and for
 * a few seconds reads its marker (client and lease id) back and writes it again through the VM's {@code /execute}
 * every second, with a heartbeat every few seconds; then it releases the VM. A marker that is not its own, read
 * while the lease was confirmed before (the grant or a heartbeat) and after (a heartbeat or the release), means
 * another client had the VM; one found at hand-out means it was handed out dirty. Like a real client it keeps its
 * lease through a server restart (a killed server carries leases over): a heartbeat or release the server was not
 * there to answer is made again once it is back, instead of leaving the lease to run out its TTL.
 */
final class LeaseClient implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(LeaseClient.class);
    static final String MARKER = "/tmp/deskpool-chaos-marker";
    private static final Duration CALL = Duration.ofSeconds(5);
    private static final Duration GUEST_CALL = Duration.ofSeconds(5);
    /** How long a call about a lease is retried while the server cannot be reached (a restart takes 10-20 s). */
    private static final Duration SERVER_BACK_WITHIN = Duration.ofSeconds(120);

    private final String id;
    private final String token;
    private final ServerProcess server;
    private final ChaosHttp http;
    private final ChaosLedger ledger;
    private final ChaosClock clock;
    private final Random random;
    /** How long a lease is used at most (a third of it at least). */
    private final Duration maxUse;

    LeaseClient(String id, String token, ServerProcess server, ChaosHttp http, ChaosLedger ledger, ChaosClock clock,
                long seed) {
        this(id, token, server, http, ledger, clock, seed, Duration.ofSeconds(20));
    }

    LeaseClient(String id, String token, ServerProcess server, ChaosHttp http, ChaosLedger ledger, ChaosClock clock,
                long seed, Duration maxUse) {
        this.maxUse = maxUse;
        this.id = id;
        this.token = token;
        this.server = server;
        this.http = http;
        this.ledger = ledger;
        this.clock = clock;
        this.random = new Random(seed);
    }

    @Override
    public void run() {
        while (clock.running() && !Thread.currentThread().isInterrupted()) {
            try {
                cycle();
            } catch (RuntimeException e) {
                log.warn("Chaos client {} failed a cycle", id, e);
                clock.pause(Duration.ofSeconds(1));
            }
        }
    }

    private void cycle() {
        ChaosHttp.Reply r = http.send("POST", server.baseUrl() + "/v1/leases", token, "{\"wait_seconds\": 60}",
                Duration.ofSeconds(75));
        if (r.status() == 201) {
            use(r);
        } else if (r.status() == 429) {
            ledger.quotaRejections.incrementAndGet();
            clock.pause(Duration.ofMillis(500 + random.nextInt(1500)));
        } else {
            clock.pause(Duration.ofSeconds(1));
        }
    }

    private void use(ChaosHttp.Reply granted) {
        JsonNode lease = granted.json();
        String leaseId = lease.path("lease_id").asText();
        String vmId = lease.path("vm_id").asText();
        JsonNode e = lease.path("endpoints");
        String guest = "http://" + e.path("host").asText() + ":" + e.path("server_port").asInt();
        String own = id + ":" + leaseId;
        long from = granted.receivedNanos();
        long confirmed = from;
        // What was read since the last confirmation; it counts once the next one confirms the lease was held throughout.
        var suspicious = new java.util.ArrayList<String>();
        try {
            Optional<String> before = read(guest);
            if (before.isPresent() && !before.get().isBlank()) {
                suspicious.add("VM " + vmId + " handed to " + own + " with '" + before.get().strip() + "' in it");
            }
            boolean written = write(guest, own);
            if (written) {
                ledger.handout(ChaosClock.seconds(granted.receivedNanos() - granted.sentNanos()));
            }
            long use = maxUse.toMillis() / 3 + random.nextInt((int) Math.max(1, maxUse.toMillis() * 2 / 3));
            long useUntil = System.nanoTime() + Duration.ofMillis(use).toNanos();
            int heartbeatEvery = 3 + random.nextInt(6);
            for (int i = 1; clock.running() && System.nanoTime() < useUntil; i++) {
                clock.pause(Duration.ofSeconds(1));
                // Like an agent: act on the VM every second, heartbeat now and then.
                Optional<String> seen = read(guest);
                if (written && seen.isPresent() && !seen.get().strip().equals(own)) {
                    suspicious.add("client " + own + " found '" + seen.get().strip() + "' in VM " + vmId + " during its lease");
                }
                written = write(guest, own) || written;
                if (i % heartbeatEvery == 0) {
                    ChaosHttp.Reply c = heartbeat(leaseId);
                    if (!ok(c)) {
                        return;
                    }
                    confirmed = c.sentNanos();
                    confirm(suspicious);
                }
            }
            ChaosHttp.Reply released = onceReachable(() -> http.send("DELETE", server.baseUrl() + "/v1/leases/" + leaseId,
                    token, null, CALL));
            if (ok(released)) {
                confirmed = released.sentNanos();
                confirm(suspicious);
            }
        } finally {
            ledger.held(new ChaosLedger.Held(token, vmId, id, leaseId, from, confirmed));
        }
    }

    /** The lease was confirmed after these reads: each was made while it was held, so each is a violation. */
    private void confirm(java.util.List<String> suspicious) {
        for (String s : suspicious) {
            ledger.violation(s.startsWith("VM ") ? Invariant.DIRTY_HANDOUT : Invariant.SHARED_VM, s);
        }
        suspicious.clear();
    }

    private ChaosHttp.Reply heartbeat(String leaseId) {
        return onceReachable(() -> http.send("POST", server.baseUrl() + "/v1/leases/" + leaseId + "/heartbeat", token,
                "{}", CALL));
    }

    /**
     * The call's answer; while the server cannot be reached, the call again every second, for a while (also after the
     * run's end: a lease is released, not left behind).
     */
    private ChaosHttp.Reply onceReachable(java.util.function.Supplier<ChaosHttp.Reply> call) {
        ChaosHttp.Reply r = call.get();
        long giveUp = System.nanoTime() + SERVER_BACK_WITHIN.toNanos();
        while (!r.reachable() && System.nanoTime() < giveUp) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r;
            }
            r = call.get();
        }
        return r;
    }

    /** Whether the lease call succeeded; a lost lease is counted, a server that is down is waited for. */
    private boolean ok(ChaosHttp.Reply r) {
        if (r.status() >= 200 && r.status() < 300) {
            return true;
        }
        if (r.status() == 410) {
            ledger.leasesToldLost.incrementAndGet();
        } else if (!r.reachable()) {
            while (clock.running() && server.restarting()) {
                clock.pause(Duration.ofMillis(500));
            }
        }
        return false;
    }

    /** The marker file's content ("" when there is none), or empty when the VM did not answer. */
    private Optional<String> read(String guest) {
        ChaosHttp.Reply r = http.sendFresh("POST", guest + "/execute",
                "{\"command\": \"cat " + MARKER + " 2>/dev/null; true\", \"shell\": true}", GUEST_CALL);
        if (r.status() != 200) {
            return Optional.empty();
        }
        JsonNode j = r.json();
        return j.has("output") ? Optional.of(j.path("output").asText("")) : Optional.empty();
    }

    private boolean write(String guest, String own) {
        ChaosHttp.Reply r = http.sendFresh("POST", guest + "/execute",
                "{\"command\": " + ChaosHttp.quote("echo '" + own + "' > " + MARKER) + ", \"shell\": true}", GUEST_CALL);
        return r.status() == 200 && r.json().path("returncode").asInt(-1) == 0;
    }
}
