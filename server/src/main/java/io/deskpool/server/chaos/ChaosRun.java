package io.deskpool.server.chaos;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

/**
 * One chaos run: the server as a child process on a fresh state directory, the clients, the status monitor and the
 * fault injector for the run's length, then a graceful stop and the checks that need the whole run (confirmed lease
 * intervals, leftovers).
 */
final class ChaosRun {
    private static final Logger log = LoggerFactory.getLogger(ChaosRun.class);
    private static final Duration FIRST_START = Duration.ofMinutes(10);
    private static final Duration FINAL_STOP = Duration.ofMinutes(3);
    /** Room per VM on the tmpfs state directory: the overlay with its RAM snapshot, logs. */
    private static final int MB_PER_VM = 512;

    private final ChaosOptions options;
    private final ChaosLedger ledger = new ChaosLedger();
    private final ChaosHttp http = new ChaosHttp();
    private final Random random;

    ChaosRun(ChaosOptions options) {
        this.options = options;
        this.random = new Random(options.seed());
    }

    Map<String, Object> run() throws Exception {
        Optional<List<String>> engineRestart = EngineRestartScript.command(options, EngineRestartScript.codeLocation());
        Path work = options.workDir().orElse(Files.createTempDirectory("deskpool-chaos-"));
        Files.createDirectories(work);
        Path state = work.resolve("state");
        log.info("Chaos run: {} for {} min, {} clients, {} VMs, seed {}; work directory {}", options.provider(),
                options.length().toSeconds() / 60.0, options.clients(), options.vms(), options.seed(), work);
        TmpfsStateDir.Result tmpfs = TmpfsStateDir.mount(state, options.vms() * MB_PER_VM + 256);
        if (tmpfs.mounted().isEmpty()) {
            Files.createDirectories(state);
            ledger.skipped(FaultKind.DISK_FULL, tmpfs.whyNot());
            log.warn("Fault kind disk_full is skipped: {}", tmpfs.whyNot());
        }
        String admin = "chaos-admin-" + UUID.randomUUID();
        Map<String, Integer> limits = tokenLimits();
        int port = freePort();
        Map<String, String> env = serverEnvironment(state, port, admin, limits);
        ServerProcess server = new ServerProcess(env, work.resolve("server.log"), port, http);
        List<String> leftovers = List.of();
        StatusMonitor monitor = null;
        try {
            server.start(FIRST_START);
            awaitWarm(server, admin);
            String ownerId = Files.readString(state.resolve("server-id"), StandardCharsets.UTF_8).strip();
            VmFaults vms = options.provider().equals("docker") ? new DockerVmFaults(dockerEnvironment(), ownerId)
                    : new QemuVmFaults(state);
            ChaosClock clock = new ChaosClock(options.length());
            monitor = new StatusMonitor(server, http, ledger, clock);
            var threads = new ArrayList<Thread>();
            threads.add(start("chaos-status", monitor));
            startClients(server, clock, threads);
            FaultInjector injector = new FaultInjector(faultKinds(tmpfs), options, server, http, admin, vms,
                    tmpfs.mounted(), engineRestart, ledger, clock, random.nextLong());
            Thread injecting = start("chaos-faults", injector);
            Progress progress = new Progress(clock);
            progress.report();
            while (clock.running()) {
                clock.pause(Duration.ofSeconds(30));
                progress.report();
            }
            injecting.join();
            for (Thread t : threads) {
                t.join(Duration.ofMinutes(3).toMillis());
            }
            injector.finish(Duration.ofSeconds(60));
            log.info("Load over; stopping the server gracefully");
            if (!server.stopGracefully(FINAL_STOP)) {
                ledger.violation(Invariant.LEFTOVER_VMS, "the server did not stop within " + FINAL_STOP.toSeconds() + " s");
            }
            leftovers = vms.leftovers();
            for (String l : leftovers) {
                ledger.violation(Invariant.LEFTOVER_VMS, l);
            }
            ledger.checkIntervals(limits);
        } finally {
            server.close();
            tmpfs.mounted().ifPresent(TmpfsStateDir::close);
        }
        return ChaosReport.json(options, ledger, monitor == null ? Double.NaN : monitor.slowestSeconds(), leftovers);
    }

    /** Two lease tokens, each with a limit below its clients so quotas are exercised, and one for env episodes. */
    private Map<String, Integer> tokenLimits() {
        var limits = new LinkedHashMap<String, Integer>();
        int leaseClients = options.leaseClients();
        int perToken = (leaseClients + 1) / 2;
        limits.put("chaos-a", Math.max(1, perToken - 1));
        if (leaseClients > 1) {
            limits.put("chaos-b", Math.max(1, leaseClients / 2 - 1));
        }
        if (options.episodeClients() > 0) {
            limits.put("chaos-env", options.episodeClients());
        }
        return limits;
    }

    private Map<String, String> serverEnvironment(Path state, int port, String admin, Map<String, Integer> limits) {
        var env = new HashMap<String, String>();
        env.put("PROVIDER", options.provider());
        env.put("HOST", "127.0.0.1");
        env.put("PORT", Integer.toString(port));
        env.put("STATE_DIR", state.toString());
        env.put("ADMIN_TOKEN", admin);
        env.put("TOKENS", String.join(",", limits.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).toList()));
        env.put("POOL_SIZE", Integer.toString(options.vms()));
        env.put("POOL_WARM", Integer.toString(Math.max(1, options.vms() / 3)));
        env.put("BOOT_CONCURRENCY", "2");
        env.put("HEALTH_INTERVAL", Double.toString(options.healthInterval().toMillis() / 1000.0));
        env.put("HEALTH_TIMEOUT", "3");
        env.put("POOL_IDLE_RETIRE", "60");
        env.put("LEASE_TTL", "120");
        env.put("RECONCILE", "adopt");
        env.put("START_CHECKS", "warn");
        env.put("START_WAIT", "30");
        env.put("VM_READY_TIMEOUT", "300");
        env.put("ENV_STEP_PAUSE", "0");
        env.put("ENV_PORT", "0");
        env.put("ENV_RESET_WAIT", "120");
        env.put("KEEP_VMS_ON_EXIT", "false");
        guestImage().ifPresent(p -> env.put("PATH_TO_VM", p));
        if (options.provider().equals("qemu")) {
            env.put("QEMU_RESTRICT_NETWORK", "true");
        } else {
            env.putAll(dockerEnvironment());
            env.put("DOCKER_IMAGE", Optional.ofNullable(System.getenv("DESKPOOL_TEST_IMAGE")).filter(s -> !s.isBlank())
                    .orElse("deskpool/test-desktop:latest"));
            env.put("RAM_SIZE", "256M");
            env.put("CPU_CORES", "1");
            env.put("DISK_SIZE", "1G");
        }
        return env;
    }

    /** The test guest CI built (TEST_GUEST_QCOW2); without it the QEMU provider builds or finds it itself. */
    private static Optional<String> guestImage() {
        return Optional.ofNullable(System.getenv("TEST_GUEST_QCOW2")).filter(s -> !s.isBlank())
                .or(() -> Optional.ofNullable(System.getenv("PATH_TO_VM")).filter(s -> !s.isBlank()));
    }

    private static Map<String, String> dockerEnvironment() {
        return Optional.ofNullable(System.getenv("DOCKER_HOST")).filter(s -> !s.isBlank())
                .map(h -> Map.of("DOCKER_HOST", h)).orElse(Map.of());
    }

    private List<FaultKind> faultKinds(TmpfsStateDir.Result tmpfs) {
        var kinds = new ArrayList<>(List.of(FaultKind.KILL_LEASED, FaultKind.KILL_WARM, FaultKind.KILL_REVERTING,
                FaultKind.KILL_BOOTING, FaultKind.FREEZE, FaultKind.SERVER_KILL));
        if (tmpfs.mounted().isPresent()) {
            kinds.add(FaultKind.DISK_FULL);
        }
        if (options.provider().equals("docker")) {
            kinds.add(FaultKind.DOCKER_RESTART);
        } else {
            ledger.skipped(FaultKind.DOCKER_RESTART, "docker provider only");
        }
        for (FaultKind k : List.copyOf(kinds)) {
            if (!options.faults().contains(k)) {
                kinds.remove(k);
                ledger.skipped(k, "not asked for (--faults)");
            }
        }
        return kinds;
    }

    private void startClients(ServerProcess server, ChaosClock clock, List<Thread> threads) {
        int lease = options.leaseClients();
        for (int i = 0; i < lease; i++) {
            String token = i % 2 == 0 || lease == 1 ? "chaos-a" : "chaos-b";
            threads.add(start("chaos-client-" + i, new LeaseClient("client-" + i, token, server, http, ledger, clock,
                    random.nextLong())));
        }
        for (int i = 0; i < options.episodeClients(); i++) {
            threads.add(start("chaos-episodes-" + i, new EpisodeClient("episodes-" + i, i, "chaos-env", server, http, ledger,
                    clock, random.nextLong())));
        }
    }

    private void awaitWarm(ServerProcess server, String admin) throws IOException, InterruptedException {
        int target = Math.max(1, options.vms() / 3);
        long deadline = System.nanoTime() + FIRST_START.toNanos();
        while (System.nanoTime() < deadline) {
            ChaosHttp.Reply r = http.send("GET", server.baseUrl() + "/v1/pool", admin, null, Duration.ofSeconds(5));
            if (r.status() == 200 && r.json().path("vms").path("warm").asInt() >= target) {
                log.info("{} warm VM(s) ready; the load and the faults start", target);
                return;
            }
            Thread.sleep(1000);
        }
        throw new IOException("the pool did not warm up within " + FIRST_START.toMinutes() + " minutes");
    }

    private final class Progress {
        private final ChaosClock clock;

        Progress(ChaosClock clock) {
            this.clock = clock;
        }

        void report() {
            log.info("Chaos: {} s left; faults {}; hand-outs {}, episodes {}; violations {}",
                    Math.max(0, clock.nanosLeft() / 1_000_000_000L), ledger.faults().values().stream().mapToInt(i -> i).sum(),
                    ledger.handouts(), ledger.episodes.get(), ledger.totalViolations());
        }
    }

    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
