package io.deskpool.server.env.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.core.pool.PoolStatus;
import io.deskpool.core.pool.VmState;
import io.deskpool.core.settings.Settings;
import io.deskpool.env.EnvJson;
import io.deskpool.server.DeskpoolServer;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code deskpool bench fork}: what forking a prepared desktop saves against what clients do without it (fresh
 * resets that all run the setup, a reset plus a replay of the steps so far), through {@code /v1/sessions} on a
 * server in this process. See {@link ForkBenchOptions#USAGE}.
 */
public final class ForkBench {
    private static final Duration CALL = Duration.ofMinutes(10);
    private static final String MARKER = "/home/user/prepared.txt";

    private final ForkBenchOptions options;
    private final PrintStream out;
    private long loopCount = 50_000;
    private boolean calibrated;
    private int failures;

    private ForkBench(ForkBenchOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static int run(List<String> args, Settings settings, PrintStream out) {
        ForkBenchOptions o;
        try {
            o = ForkBenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                out.println("bench fork: " + e.getMessage());
            }
            out.println(ForkBenchOptions.USAGE);
            return e.getMessage().isEmpty() ? 0 : 2;
        }
        return new ForkBench(o, out).bench(settings);
    }

    private int bench(Settings settings) {
        out.printf(Locale.ROOT, "bench fork: %s, %d cores, load average %s%n", LocalDate.now(Clock.systemUTC()),
                Runtime.getRuntime().availableProcessors(), loadAverage());
        try {
            if (!options.copies().isEmpty() || !options.branchSteps().isEmpty()) {
                var fresh = new java.util.LinkedHashMap<Integer, Double>();
                for (int copies : options.copies()) {
                    fresh.put(copies, freshResets(settings, copies, Map.of()));
                }
                int n = Math.max(options.maxCopies(), 1);
                try (DeskpoolServer server = start(settings, n + 1, 0, Map.of())) {
                    EnvClient client = client(server);
                    if (options.copies().isEmpty()) {
                        calibrate(server, client);
                    }
                    out.println();
                    out.println("| copies | N fresh resets (all ready) | one reset (setup) | fork into N | reset + fork "
                            + "| fresh / (reset + fork) | screens identical |");
                    out.println("|---:|---:|---:|---:|---:|---:|---|");
                    for (int copies : options.copies()) {
                        Forked f = forked(server, client, copies, 0);
                        double base = fresh.get(copies);
                        out.printf(Locale.ROOT, "| %d | %.2f s | %.2f s | **%.2f s** | %.2f s | %.1fx | %d/%d |%n", copies,
                                base, f.setup(), f.fork(), f.setup() + f.fork(), base / (f.setup() + f.fork()),
                                f.identical(), copies);
                    }
                    if (!options.branchSteps().isEmpty()) {
                        out.println();
                        out.println("| branch at step | fork into 1 | fresh reset + k steps replayed (pause "
                                + seconds(options.replayPause()) + ") | replay / fork |");
                        out.println("|---:|---:|---:|---:|");
                        for (int k : options.branchSteps()) {
                            branch(server, client, k);
                        }
                    }
                }
            }
            if (!options.ballastMb().isEmpty()) {
                int b = options.ballastCopies();
                Map<String, String> big = Map.of("RAM_SIZE", "1024M");
                double fresh = freshResets(settings, b, big);
                try (DeskpoolServer server = start(settings, b + 1, 0, big)) {
                    EnvClient client = client(server);
                    out.println();
                    out.printf(Locale.ROOT, "1 GB guests, %d copies; %d fresh resets (all ready, no ballast: a fresh VM "
                            + "holds none): %.2f s%n", b, b, fresh);
                    out.println();
                    out.println("| ballast in the parent | one reset (setup) | fork into N | reset + fork "
                            + "| fresh / (reset + fork) | screens identical |");
                    out.println("|---:|---:|---:|---:|---:|---|");
                    for (int mb : options.ballastMb()) {
                        Forked f = forked(server, client, b, mb);
                        out.printf(Locale.ROOT, "| %d MB | %.2f s | **%.2f s** | %.2f s | %.1fx | %d/%d |%n", mb, f.setup(),
                                f.fork(), f.setup() + f.fork(), fresh / (f.setup() + f.fork()), f.identical(), b);
                    }
                }
            }
        } catch (RuntimeException | InterruptedException | ExecutionException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            out.println("bench fork failed: " + e);
            return 1;
        }
        out.printf(Locale.ROOT, "%nload average at the end: %s; failures: %d%n", loadAverage(), failures);
        return failures == 0 ? 0 : 1;
    }

    /**
     * Seconds until N sessions reset at once have all run the setup, on a server of exactly N warm VMs (so no VM
     * idles beside them and no boot runs meanwhile).
     */
    private double freshResets(Settings settings, int n, Map<String, String> extra)
            throws InterruptedException, ExecutionException {
        try (DeskpoolServer server = start(settings, n, n, extra)) {
            EnvClient client = client(server);
            calibrate(server, client);
            settle(server, n);
            long t0 = System.nanoTime();
            List<Prepared> fresh = together(n, i -> prepare(client));
            double seconds = since(t0);
            for (Prepared p : fresh) {
                if (!hasMarker(client, p.session())) {
                    failures++;
                    out.println("fresh session " + p.session().path("session_id").asText() + " lacks the marker file");
                }
            }
            fresh.forEach(p -> close(client, p.session()));
            out.printf(Locale.ROOT, "%d fresh resets on %d warm VMs: %.2f s%n", n, n, seconds);
            return seconds;
        }
    }

    /** The parent's setup and the fork of it into N, in seconds, and how many copies showed the parent's screen. */
    private record Forked(double setup, double fork, int identical) {
    }

    /** A session reset to the bench task, with how long its VM took to come and its setup to run (from its answer). */
    private record Prepared(JsonNode session, double acquire, double setup) {
    }

    /**
     * One reset running the setup (its setup time as the answer gives it: a VM the pool had to boot first does not
     * count), then {@code ballastMb} of random data in the guest's RAM (not timed: it stands for the memory a real
     * desktop holds), then the fork into N (timed until every copy is ready and checked). Every copy must show the
     * parent's screen byte for byte and have the setup's marker file.
     */
    private Forked forked(DeskpoolServer server, EnvClient client, int n, int ballastMb) {
        settle(server, 0);
        Prepared prepared = prepare(client);
        JsonNode parent = prepared.session();
        if (ballastMb > 0) {
            client.postTo(vmUrl(parent, "/setup/ballast"), EnvJson.MAPPER.createObjectNode().put("mb", ballastMb), CALL);
        }
        String id = parent.path("session_id").asText();
        byte[] screen = client.getBytes("/v1/sessions/" + id + "/screenshot", CALL);
        ObjectNode body = EnvJson.MAPPER.createObjectNode().put("count", n);
        long t2 = System.nanoTime();
        JsonNode forked = client.post("/v1/sessions/" + id + "/fork", body, CALL);
        double fork = since(t2);
        int identical = 0;
        var copies = new ArrayList<JsonNode>();
        forked.path("sessions").forEach(copies::add);
        for (JsonNode copy : copies) {
            byte[] copyScreen = client.getBytes("/v1/sessions/" + copy.path("session_id").asText() + "/screenshot", CALL);
            identical += Arrays.equals(screen, copyScreen) ? 1 : 0;
            if (!hasMarker(client, copy)) {
                failures++;
                out.println("copy " + copy.path("session_id").asText() + " lacks the setup's marker file");
            }
        }
        if (identical != n || copies.size() != n) {
            failures++;
        }
        copies.forEach(s -> close(client, s));
        close(client, parent);
        return new Forked(prepared.setup(), fork, identical);
    }

    /**
     * One row: a session k steps in, branched by a fork into 1, against a fresh reset plus k replayed steps (the
     * time a VM the pool had to boot first took does not count).
     */
    private void branch(DeskpoolServer server, EnvClient client, int k) throws InterruptedException {
        settle(server, 0);
        JsonNode session = prepare(client).session();
        String id = session.path("session_id").asText();
        for (int i = 0; i < k; i++) {
            step(client, id, i);
        }
        long t0 = System.nanoTime();
        JsonNode forked = client.post("/v1/sessions/" + id + "/fork", EnvJson.MAPPER.createObjectNode().put("count", 1), CALL);
        double fork = since(t0);
        forked.path("sessions").forEach(s -> close(client, s));
        close(client, session);
        settle(server, 0);

        long t1 = System.nanoTime();
        Prepared replayed = prepare(client);
        String rid = replayed.session().path("session_id").asText();
        for (int i = 0; i < k; i++) {
            step(client, rid, i);
            Thread.sleep(options.replayPause().toMillis());
        }
        double replay = since(t1) - replayed.acquire();
        close(client, replayed.session());
        out.printf(Locale.ROOT, "| %d | **%.2f s** | %.2f s | %.1fx |%n", k, fork, replay, replay / fork);
    }

    /** A new session reset to the bench task (its setup burns the calibrated guest CPU). */
    private Prepared prepare(EnvClient client) {
        ObjectNode create = EnvJson.MAPPER.createObjectNode();
        create.set("task_config", task());
        create.put("screenshot", "url");
        // Room for the longest branch (ENV_MAX_STEPS is 16 by default).
        create.put("max_steps", 10 + options.branchSteps().stream().mapToInt(Integer::intValue).max().orElse(0));
        JsonNode r = client.postWithRetryOn503("/v1/sessions", create, CALL);
        return new Prepared(r.path("session"), r.path("info").path("acquire_seconds").asDouble(),
                r.path("info").path("setup_seconds").asDouble());
    }

    private void step(EnvClient client, String sessionId, int i) {
        ObjectNode body = EnvJson.MAPPER.createObjectNode();
        body.put("action", "import pyautogui; pyautogui.click(" + (100 + 10 * i) + ", " + (200 + 5 * i) + ")");
        body.put("screenshot", "url");
        client.post("/v1/sessions/" + sessionId + "/step", body, CALL);
    }

    private boolean hasMarker(EnvClient client, JsonNode session) {
        ObjectNode cmd = EnvJson.MAPPER.createObjectNode().put("command", "cat " + MARKER).put("shell", true);
        return client.postTo(vmUrl(session, "/execute"), cmd, CALL).path("output").asText().contains("prepared");
    }

    /**
     * Times the guest's shell loop on one VM and sizes the setup's loop so that it costs --cpu-seconds of guest
     * CPU. With the QEMU provider the cost is the QEMU process's CPU time (from /proc), which other jobs on a busy
     * host do not inflate; otherwise the loop's wall time on an otherwise idle VM.
     */
    private void calibrate(DeskpoolServer server, EnvClient client) {
        if (calibrated) {
            return;
        }
        calibrated = true;
        settle(server, 0);
        ObjectNode create = EnvJson.MAPPER.createObjectNode();
        create.put("screenshot", "url");
        JsonNode session = client.postWithRetryOn503("/v1/sessions", create, CALL).path("session");
        long probe = 20_000;
        ObjectNode cmd = EnvJson.MAPPER.createObjectNode().put("command", loop(probe)).put("shell", true);
        client.postTo(vmUrl(session, "/execute"), cmd, CALL);
        java.util.OptionalLong pid = QemuCpuTime.pidOf(server, session.path("vm").path("vm_id").asText());
        long cpu0 = pid.isPresent() ? QemuCpuTime.ticks(pid.getAsLong()) : 0;
        long t0 = System.nanoTime();
        client.postTo(vmUrl(session, "/execute"), cmd, CALL);
        double wall = since(t0);
        double took = pid.isPresent() ? (QemuCpuTime.ticks(pid.getAsLong()) - cpu0) / 100.0 : wall;
        loopCount = Math.max(1, Math.round(probe * options.cpuSeconds() / Math.max(0.01, took)));
        close(client, session);
        out.printf(Locale.ROOT, "setup step: a guest shell loop of %d rounds (%d rounds took %.2f s of %s, %.2f s of "
                        + "wall time, on one VM), sized for %.1f s of guest CPU%n", loopCount, probe, took,
                pid.isPresent() ? "QEMU CPU time" : "wall time", wall, options.cpuSeconds());
    }

    private ObjectNode task() {
        ObjectNode task = EnvJson.MAPPER.createObjectNode();
        task.put("id", "bench-fork");
        task.put("instruction", "Fork benchmark: the setup prepared this desktop.");
        ObjectNode params = EnvJson.MAPPER.createObjectNode();
        params.put("command", loop(loopCount) + "; echo prepared > " + MARKER);
        params.put("shell", true);
        ObjectNode step = EnvJson.MAPPER.createObjectNode().put("type", "execute");
        step.set("parameters", params);
        task.putArray("config").add(step);
        return task;
    }

    private static String loop(long rounds) {
        return "i=0; while [ $i -lt " + rounds + " ]; do i=$((i+1)); done";
    }

    private static String vmUrl(JsonNode session, String path) {
        JsonNode ep = session.path("vm").path("endpoints");
        return "http://" + ep.path("host").asText() + ":" + ep.path("server_port").asInt() + path;
    }

    private static void close(EnvClient client, JsonNode session) {
        client.delete("/v1/sessions/" + session.path("session_id").asText(), CALL);
    }

    /** A server with the given POOL_SIZE and POOL_WARM, once its spares are warm. */
    private DeskpoolServer start(Settings settings, int size, int warm, Map<String, String> extra) {
        var values = new java.util.HashMap<String, String>(Map.of("POOL_SIZE", String.valueOf(size),
                "POOL_WARM", String.valueOf(warm), "HOST", "127.0.0.1", "PORT", "0", "REQUIRE_TOKEN", "false",
                "REQUEST_LOG_SIZE", "0"));
        values.putAll(extra);
        DeskpoolServer server = DeskpoolServer.start(settings.with(values), Clock.systemUTC());
        long t0 = System.nanoTime();
        settle(server, warm);
        out.printf(Locale.ROOT, "provider %s, %d MB guests, POOL_SIZE=%d, POOL_WARM=%d: warm after %.1f s (not measured)%n",
                server.pool().provider().name(), server.pool().provider().baseSpec().memoryMb(), size, warm, since(t0));
        return server;
    }

    private static EnvClient client(DeskpoolServer server) {
        return new EnvClient("http://127.0.0.1:" + server.port(), java.util.Optional.empty());
    }

    /** Waits until the pool has {@code warm} spares and nothing leased, booting, reverting or being destroyed. */
    private void settle(DeskpoolServer server, int warm) {
        long deadline = System.nanoTime() + options.bootTimeout().toNanos();
        while (true) {
            PoolStatus st = server.pool().status();
            boolean busy = st.count(VmState.BOOTING) + st.count(VmState.REVERTING) + st.count(VmState.DESTROYING)
                    + st.count(VmState.FORKING) + st.leases() > 0;
            if (st.count(VmState.WARM) >= warm && !busy) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the pool did not settle with " + warm + " warm VMs within "
                        + options.bootTimeout().toSeconds() + " s (" + st + ")");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    private interface Task<T> {
        T run(int index) throws Exception;
    }

    private static <T> List<T> together(int n, Task<T> task) throws InterruptedException, ExecutionException {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            var futures = new ArrayList<Future<T>>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit((Callable<T>) () -> task.run(index)));
            }
            var results = new ArrayList<T>();
            for (Future<T> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static double since(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
