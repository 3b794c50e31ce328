package io.deskpool.server.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Breaks things at random times, about one fault every {@code faultEvery}, cycling through the fault kinds in a
 * shuffled order so each comes up; no fault in the last stretch of the run, so its recovery can be seen. After
 * each fault a watcher measures the recovery, and for a VM that was leased, whether its lease is told it is lost
 * in time (asked as the admin, so the answer does not depend on how often the client calls).
 */
final class FaultInjector implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(FaultInjector.class);
    /** The last stretch of the run without new faults. */
    static final Duration QUIET_END = Duration.ofSeconds(45);
    private static final Duration WATCH_LIMIT = Duration.ofMinutes(5);
    private static final Duration CALL = Duration.ofSeconds(5);
    /** How long past its bound a lost lease is still asked before it counts as never told. */
    private static final Duration LOST_LEASE_PATIENCE = Duration.ofSeconds(30);

    private final List<FaultKind> kinds;
    private final ChaosOptions options;
    private final ServerProcess server;
    private final ChaosHttp http;
    private final String admin;
    private final VmFaults vms;
    private final Optional<TmpfsStateDir> disk;
    private final Optional<List<String>> engineRestart;
    private final ChaosLedger ledger;
    private final ChaosClock clock;
    private final Random random;
    private final ExecutorService watchers = Executors.newCachedThreadPool(daemon("chaos-watch"));
    private final ScheduledExecutorService thaws = Executors.newSingleThreadScheduledExecutor(daemon("chaos-thaw"));
    private final List<String> frozen = Collections.synchronizedList(new ArrayList<>());

    FaultInjector(List<FaultKind> kinds, ChaosOptions options, ServerProcess server, ChaosHttp http, String admin,
                  VmFaults vms, Optional<TmpfsStateDir> disk, Optional<List<String>> engineRestart, ChaosLedger ledger,
                  ChaosClock clock, long seed) {
        this.kinds = List.copyOf(kinds);
        this.options = options;
        this.server = server;
        this.http = http;
        this.admin = admin;
        this.vms = vms;
        this.disk = disk;
        this.engineRestart = engineRestart;
        this.ledger = ledger;
        this.clock = clock;
        this.random = new Random(seed);
    }

    @Override
    public void run() {
        var cycle = new ArrayList<FaultKind>();
        while (clock.running()) {
            double wait = -Math.log(1 - random.nextDouble()) * options.faultEvery().toMillis();
            clock.pause(Duration.ofMillis((long) wait));
            if (!clock.running() || clock.nanosLeft() < QUIET_END.toNanos()) {
                return;
            }
            // A kind with nothing to break right now (no VM reverting) gives way to the next one at once, and
            // comes up again in the next round.
            var skipped = new ArrayList<FaultKind>();
            for (int tries = 0; tries < kinds.size() && clock.running(); tries++) {
                if (cycle.isEmpty()) {
                    cycle.addAll(kinds);
                    Collections.shuffle(cycle, random);
                    cycle.removeAll(skipped);
                    if (cycle.isEmpty()) {
                        break;
                    }
                }
                FaultKind kind = cycle.remove(0);
                try {
                    if (inject(kind)) {
                        break;
                    }
                    skipped.add(kind);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    log.warn("Injecting {} failed", kind.wireName(), e);
                    break;
                }
            }
        }
    }

    /** Lets frozen VMs run again and stops the watchers (after waiting a while for those still measuring). */
    void finish(Duration wait) throws InterruptedException {
        thaws.shutdownNow();
        List.copyOf(frozen).forEach(vms::thaw);
        disk.ifPresent(TmpfsStateDir::free);
        watchers.shutdown();
        watchers.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
        watchers.shutdownNow();
    }

    /** Injects one fault; false when there was nothing to break for this kind just now. */
    private boolean inject(FaultKind kind) throws Exception {
        return switch (kind) {
            case KILL_LEASED -> kill(kind, Set.of("leased"), Duration.ofSeconds(5), Duration.ofMillis(100));
            case KILL_WARM -> kill(kind, Set.of("warm"), Duration.ofSeconds(10), Duration.ofMillis(50));
            case KILL_REVERTING -> kill(kind, Set.of("reverting"), Duration.ofSeconds(15), Duration.ofMillis(20));
            case KILL_BOOTING -> {
                if (listVms().stream().noneMatch(v -> v.state().equals("booting"))) {
                    stopAWarmVm();
                }
                yield kill(kind, Set.of("booting"), Duration.ofSeconds(20), Duration.ofMillis(100));
            }
            case FREEZE -> freeze();
            case SERVER_KILL -> restartServer();
            case DISK_FULL -> fillDisk();
            case DOCKER_RESTART -> restartEngine();
        };
    }

    private record Vm(String id, String state, String leaseId, Instant stateSince) {
    }

    private List<Vm> listVms() {
        ChaosHttp.Reply r = http.send("GET", server.baseUrl() + "/v1/vms", admin, null, CALL);
        if (r.status() != 200) {
            return List.of();
        }
        var out = new ArrayList<Vm>();
        for (JsonNode v : r.json()) {
            Instant since;
            try {
                since = Instant.parse(v.path("state_since").asText());
            } catch (RuntimeException e) {
                since = Instant.EPOCH;
            }
            out.add(new Vm(v.path("vm_id").asText(), v.path("state").asText(), v.path("lease_id").asText(""), since));
        }
        return out;
    }

    /** Waits up to {@code patience} for a VM in one of {@code states} (a revert lasts a moment), then kills it. */
    private boolean kill(FaultKind kind, Set<String> states, Duration patience, Duration poll) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (clock.running() && System.nanoTime() < deadline) {
            List<Vm> candidates = listVms().stream().filter(v -> states.contains(v.state())).toList();
            if (!candidates.isEmpty()) {
                Vm vm = candidates.get(random.nextInt(candidates.size()));
                long at = System.nanoTime();
                Instant atWall = Instant.now();
                if (vms.kill(vm.id())) {
                    ledger.fault(kind);
                    log.info("Fault {}: killed VM {} ({}{})", kind.wireName(), vm.id(), vm.state(),
                            vm.leaseId().isEmpty() ? "" : ", lease " + vm.leaseId());
                    watchVm(kind, vm.id(), at, atWall);
                    if (!vm.leaseId().isEmpty()) {
                        watchLease(vm.leaseId(), at);
                    }
                    return true;
                }
            }
            clock.pause(poll);
        }
        log.info("Fault {}: no VM was {} within {} s; another kind instead", kind.wireName(), states, patience.toSeconds());
        return false;
    }

    /** No VM is booting: an admin stops a spare (DELETE /v1/vms/{id}), and the pool boots its replacement. */
    private void stopAWarmVm() {
        listVms().stream().filter(v -> v.state().equals("warm")).findFirst().ifPresent(v -> {
            log.info("Fault kill_booting: nothing boots; stopping spare {} so its replacement does", v.id());
            http.send("DELETE", server.baseUrl() + "/v1/vms/" + v.id(), admin, null, CALL);
        });
    }

    private boolean freeze() {
        List<Vm> candidates = listVms().stream().filter(v -> v.state().equals("warm") || v.state().equals("leased")).toList();
        if (candidates.isEmpty()) {
            log.info("Fault freeze: no warm or leased VM; another kind instead");
            return false;
        }
        Vm vm = candidates.get(random.nextInt(candidates.size()));
        long at = System.nanoTime();
        Instant atWall = Instant.now();
        if (!vms.freeze(vm.id())) {
            return false;
        }
        ledger.fault(FaultKind.FREEZE);
        frozen.add(vm.id());
        log.info("Fault freeze: VM {} ({}) frozen for {} s", vm.id(), vm.state(), options.freeze().toSeconds());
        thaws.schedule(() -> {
            frozen.remove(vm.id());
            vms.thaw(vm.id());
        }, options.freeze().toMillis(), TimeUnit.MILLISECONDS);
        watchVm(FaultKind.FREEZE, vm.id(), at, atWall);
        if (!vm.leaseId().isEmpty()) {
            watchLease(vm.leaseId(), at);
        }
        return true;
    }

    private boolean restartServer() throws Exception {
        long at = System.nanoTime();
        server.kill();
        ledger.fault(FaultKind.SERVER_KILL);
        log.info("Fault server_kill: the server was killed with SIGKILL; starting it again");
        server.start(Duration.ofMinutes(5));
        watchService(FaultKind.SERVER_KILL, at);
        return true;
    }

    private boolean fillDisk() {
        TmpfsStateDir d = disk.orElseThrow();
        ledger.fault(FaultKind.DISK_FULL);
        long written = d.fill();
        log.info("Fault disk_full: the state directory is full ({} MB of filler) for 20 s", written);
        clock.pause(Duration.ofSeconds(20));
        d.free();
        watchService(FaultKind.DISK_FULL, System.nanoTime());
        return true;
    }

    private boolean restartEngine() throws Exception {
        List<String> command = engineRestart.orElseThrow();
        ledger.fault(FaultKind.DOCKER_RESTART);
        log.info("Fault docker_restart: {}", String.join(" ", command));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            log.warn("The engine restart command did not finish within 3 minutes");
        }
        watchService(FaultKind.DOCKER_RESTART, System.nanoTime());
        return true;
    }

    /** Recovered when the VM is out of the pool, or ready again (warm, leased) since the fault. */
    private void watchVm(FaultKind kind, String vmId, long at, Instant atWall) {
        watchers.execute(() -> {
            long deadline = at + WATCH_LIMIT.toNanos();
            while (System.nanoTime() < deadline) {
                if (!server.restarting()) {
                    ChaosHttp.Reply r = http.send("GET", server.baseUrl() + "/v1/vms", admin, null, CALL);
                    if (r.status() == 200) {
                        Optional<Vm> vm = listed(r.json(), vmId);
                        if (vm.isEmpty() || (Set.of("warm", "leased", "checking").contains(vm.get().state())
                                && vm.get().stateSince().isAfter(atWall))) {
                            ledger.recovered(kind, ChaosClock.seconds(System.nanoTime() - at));
                            return;
                        }
                    }
                }
                if (!sleep(250)) {
                    break; // the run ended before it recovered
                }
            }
            ledger.notRecovered(kind);
        });
    }

    private static Optional<Vm> listed(JsonNode vms, String vmId) {
        for (JsonNode v : vms) {
            if (v.path("vm_id").asText().equals(vmId)) {
                Instant since;
                try {
                    since = Instant.parse(v.path("state_since").asText());
                } catch (RuntimeException e) {
                    since = Instant.EPOCH;
                }
                return Optional.of(new Vm(vmId, v.path("state").asText(), v.path("lease_id").asText(""), since));
            }
        }
        return Optional.empty();
    }

    /** Recovered when a client got a clean VM again after the fault ended. */
    private void watchService(FaultKind kind, long endedAt) {
        watchers.execute(() -> {
            long deadline = endedAt + WATCH_LIMIT.toNanos();
            while (System.nanoTime() < deadline) {
                if (ledger.handoutAfter(endedAt)) {
                    ledger.recovered(kind, ChaosClock.seconds(System.nanoTime() - endedAt));
                    return;
                }
                if (!sleep(250)) {
                    break; // the run ended before it recovered
                }
            }
            ledger.notRecovered(kind);
        });
    }

    /** The lease on a VM that died must answer 410 vm_lost within HEALTH_INTERVAL + 5 s ({@link LostLeaseWatch}). */
    private void watchLease(String leaseId, long at) {
        watchers.execute(new LostLeaseWatch(server, http, admin, ledger, leaseId, at,
                options.healthInterval().plusSeconds(5), LOST_LEASE_PATIENCE));
    }

    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
