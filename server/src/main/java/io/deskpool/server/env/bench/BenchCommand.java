package io.deskpool.server.env.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.pool.PoolStatus;
import io.deskpool.core.pool.VmState;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.settings.SettingsLoader;
import io.deskpool.server.DeskpoolServer;

import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code deskpool bench}: N simulated rollout workers against M VMs (seed 002's N-rollout / M-VM shape) through
 * one env API: Deskpool's {@code /v1/sessions}, or the ARPO/ENVS remote env format. Each worker loops over
 * episodes (reset, K steps, evaluate). Reports episodes per minute, VM utilisation and call latencies. Not a test:
 * numbers on a shared machine vary run to run.
 */
public final class BenchCommand {
    private final Map<String, List<Long>> latencies = new ConcurrentHashMap<>();
    private final AtomicInteger ok = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final List<String> errors = new CopyOnWriteArrayList<>();

    private BenchCommand() {
    }

    public static int run(List<String> args, PrintStream out) {
        if (!args.isEmpty() && args.get(0).equals("fork")) {
            return ForkBench.run(args.subList(1, args.size()), SettingsLoader.fromProcess(), out);
        }
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                out.println("bench: " + e.getMessage());
            }
            out.println(BenchOptions.USAGE);
            return e.getMessage().isEmpty() ? 0 : 2;
        }
        return new BenchCommand().bench(o, SettingsLoader.fromProcess(), out);
    }

    /** Runs the benchmark; {@code settings} configure the in-process server when there is no {@code --url}. */
    public static int run(List<String> args, Settings settings, PrintStream out) {
        return new BenchCommand().bench(BenchOptions.parse(args), settings, out);
    }

    private int bench(BenchOptions o, Settings settings, PrintStream out) {
        DeskpoolServer server = null;
        LeaseMeter meter = null;
        String url;
        String provider = "remote";
        try {
            if (o.url().isPresent()) {
                url = o.url().get();
            } else {
                server = DeskpoolServer.start(settings.with(Map.of("POOL_SIZE", String.valueOf(o.vms()),
                        "POOL_WARM", String.valueOf(o.vms()), "HOST", "127.0.0.1", "PORT", "0", "REQUIRE_TOKEN", "false",
                        "REQUEST_LOG_SIZE", "0", "ENV_STEP_PAUSE", String.valueOf(o.stepPause().toMillis() / 1000.0))),
                        Clock.systemUTC());
                provider = server.pool().provider().name();
                meter = new LeaseMeter();
                server.pool().addListener(meter);
                url = "http://127.0.0.1:" + server.port();
                long t0 = System.nanoTime();
                awaitWarm(server, o);
                out.printf(Locale.ROOT, "boot: %d VM(s) warm after %.1f s (not part of the measurement)%n", o.vms(),
                        (System.nanoTime() - t0) / 1e9);
            }
            EnvClient client = new EnvClient(url, o.token());
            AtomicInteger remaining = new AtomicInteger(o.episodes());
            List<Thread> threads = new ArrayList<>();
            if (meter != null) {
                meter.startWindow();
            }
            long start = System.nanoTime();
            for (int w = 0; w < o.workers(); w++) {
                int index = w;
                Thread t = new Thread(() -> worker(client, o, remaining, index), "bench-worker-" + w);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            double wall = (System.nanoTime() - start) / 1e9;
            report(out, o, provider, wall, meter == null ? -1 : meter.leasedSeconds(), client.retries.get());
            return failed.get() == 0 ? 0 : 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private static void awaitWarm(DeskpoolServer server, BenchOptions o) throws InterruptedException {
        long deadline = System.nanoTime() + o.bootTimeout().toNanos();
        while (true) {
            PoolStatus st = server.pool().status();
            if (st.count(VmState.WARM) >= o.vms()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the VMs were not warm within " + o.bootTimeout().toSeconds()
                        + " s (last boot failure: " + st.lastBootFailure() + ")");
            }
            Thread.sleep(200);
        }
    }

    private void worker(EnvClient client, BenchOptions o, AtomicInteger remaining, int index) {
        RolloutEpisode episode = RolloutEpisode.of(o.dialect(), client, o, index);
        while (remaining.getAndDecrement() > 0) {
            try {
                episode.run(this::timed);
                ok.incrementAndGet();
            } catch (RuntimeException ex) {
                failed.incrementAndGet();
                if (errors.size() < 10) {
                    errors.add(ex.getMessage());
                }
            }
        }
    }

    /** The nearest-rank percentile of a sorted list. */
    static long percentile(List<Long> sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private JsonNode timed(String what, java.util.function.Supplier<JsonNode> call) {
        long t0 = System.nanoTime();
        JsonNode r = call.get();
        latencies.computeIfAbsent(what, k -> Collections.synchronizedList(new ArrayList<>())).add((System.nanoTime() - t0) / 1_000_000);
        return r;
    }

    private void report(PrintStream out, BenchOptions o, String provider, double wall, double leased, int retries) {
        out.printf(Locale.ROOT, "bench: %s dialect, %d workers, %d VMs, %d steps/episode, %d episodes, provider %s%n",
                o.dialect(), o.workers(), o.vms(), o.steps(), o.episodes(), provider);
        out.printf(Locale.ROOT, "wall: %.1f s; episodes ok %d, failed %d; reset retries after 503: %d%n",
                wall, ok.get(), failed.get(), retries);
        out.printf(Locale.ROOT, "episodes/min: %.2f%n", ok.get() / (wall / 60));
        if (leased >= 0) {
            out.printf(Locale.ROOT, "VM utilisation: %.1f%% (%.1f leased VM-s / (%d VMs x %.1f s))%n",
                    100 * leased / (o.vms() * wall), leased, o.vms(), wall);
        } else {
            out.println("VM utilisation: not measured (--url: the pool's lease events are not visible from here)");
        }
        for (String what : List.of("reset", "step", "evaluate", "close")) {
            List<Long> l = latencies.getOrDefault(what, List.of());
            if (l.isEmpty()) {
                continue;
            }
            List<Long> sorted = new ArrayList<>(l);
            Collections.sort(sorted);
            out.printf(Locale.ROOT, "  %-8s n=%-4d p50 %6d ms  p95 %6d ms  p99 %6d ms  max %6d ms%n", what, sorted.size(),
                    percentile(sorted, 0.50), percentile(sorted, 0.95), percentile(sorted, 0.99), sorted.get(sorted.size() - 1));
        }
        errors.forEach(e -> out.println("  error: " + e));
    }
}
