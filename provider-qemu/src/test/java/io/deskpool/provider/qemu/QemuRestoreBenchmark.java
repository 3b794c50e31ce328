package io.deskpool.provider.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.settings.SettingsLoader;
import io.deskpool.core.spi.ProviderContext;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a fork's state costs to save and load, for each way QEMU 7.2 offers (scripts/bench-qemu-restore.sh): a
 * 1 GB test guest with 0, 300 and 600 MB of random data in its RAM ({@code POST /setup/ballast}) is saved to a file
 * and loaded into a second QEMU started with the same command line and {@code -incoming defer}:
 * <ul>
 *   <li>{@code streamed}: anonymous RAM, every page in the stream ({@code exec:cat > file}, as the provider does
 *   with {@code QEMU_MEMORY_DIR=none});</li>
 *   <li>{@code compressed}: the same with the {@code compress} capability (zlib level 1, 2 threads each way);</li>
 *   <li>{@code multifd}: the {@code multifd} capability on the same file transport (7.2 accepts multifd only on
 *   socket transports; the refusal is reported);</li>
 *   <li>{@code file+cow}: RAM in a shared file under {@code /dev/shm}, the stream without it ({@code x-ignore-shared}),
 *   the file copied ({@code cp --sparse=always}, counted in the save) and mapped copy-on-write by the loader (what
 *   the provider does by default).</li>
 * </ul>
 * The load is timed from {@code migrate-incoming} until QEMU reports the migration completed (the guest not yet
 * resumed); the provider's copies then also swap their network, set the clock and pass the probes. Not a test:
 * timings on a shared machine vary, so nothing here asserts speed.
 */
public final class QemuRestoreBenchmark {
    private static final Duration QMP = Duration.ofSeconds(30);
    private static final Duration LONG = Duration.ofMinutes(5);

    private final Path work;
    private final List<String> rows = new ArrayList<>();

    private QemuRestoreBenchmark(Path work) {
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        List<Integer> ballast = args.length > 0 ? java.util.Arrays.stream(args[0].split(",")).map(Integer::parseInt).toList()
                : List.of(0, 300, 600);
        Path work = Files.createTempDirectory("deskpool-restore-bench");
        var bench = new QemuRestoreBenchmark(work);
        System.out.printf(Locale.ROOT, "QEMU restore benchmark, %s, load average %s%n", java.time.LocalDate.now(),
                Files.readString(Path.of("/proc/loadavg")).strip());
        try {
            bench.run("none", ballast, List.of("streamed", "compressed", "multifd"));
            bench.run("/dev/shm", ballast, List.of("file+cow"));
        } finally {
            FileTree.deleteQuietly(work);
        }
        System.out.println();
        System.out.println("| RAM | ballast | save (guest stopped) | state file | load |");
        System.out.println("|---|---:|---:|---:|---:|");
        bench.rows.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "%nload average at the end: %s%n", Files.readString(Path.of("/proc/loadavg")).strip());
    }

    private void run(String memoryDir, List<Integer> ballast, List<String> modes) throws Exception {
        Settings settings = SettingsLoader.fromProcess().with(Map.of("QEMU_MEMORY_DIR", memoryDir, "RAM_SIZE", "1024M",
                "QEMU_GUEST_NETWORK", "host", "QEMU_CLEAN_TEMPLATE", "false", "VM_READY_TIMEOUT", "300"));
        Path state = work.resolve("state-" + modes.get(0).replace('+', '-'));
        try (QemuProvider provider = (QemuProvider) new QemuProviderFactory().create(
                new ProviderContext("restore-bench", settings, state, Clock.systemUTC()))) {
            VmHandle vm = provider.awaitReady(provider.launch("source", provider.baseSpec()), Duration.ofMinutes(5));
            try {
                VmRecord record = VmRecord.readFrom(provider.vmDirectory("source").resolve("vm.json"));
                List<String> cmdline = cmdline(record.pid());
                for (int mb : ballast) {
                    ballast(vm.requireEndpoints(), mb);
                    for (String mode : modes) {
                        rows.add(measure(mode, mb, cmdline, record));
                    }
                }
            } finally {
                provider.destroy(vm);
            }
        }
    }

    private String measure(String mode, int ballastMb, List<String> cmdline, VmRecord record) throws Exception {
        Path file = work.resolve("state-" + mode.replace('+', '-') + "-" + ballastMb);
        Path template = work.resolve("ram-" + ballastMb);
        Path socket = Path.of(option(cmdline, "-qmp").replaceFirst("^unix:", "").replaceFirst(",.*$", ""));
        var caps = new HashMap<String, Boolean>();
        switch (mode) {
            case "compressed" -> caps.put("compress", true);
            case "multifd" -> caps.put("multifd", true);
            case "file+cow" -> caps.put("x-ignore-shared", true);
            default -> {
            }
        }
        double save;
        try (QmpClient qmp = QmpClient.connect(socket, QMP, () -> true)) {
            qmp.execute("stop", Map.of(), QMP);
            try {
                capabilities(qmp, caps, true);
                var params = new HashMap<String, Object>(Map.of("max-bandwidth", Long.MAX_VALUE >> 8));
                if (mode.equals("compressed")) {
                    params.putAll(Map.of("compress-level", 1, "compress-threads", 2));
                }
                qmp.execute("migrate-set-parameters", params, QMP);
                long t0 = System.nanoTime();
                try {
                    qmp.execute("migrate", Map.of("uri", "exec:cat > " + file), QMP);
                    await(qmp);
                } catch (IOException e) {
                    return row(mode, ballastMb, "refused: " + e.getMessage(), "", "");
                }
                if (mode.equals("file+cow")) {
                    copy(Path.of(record.memory()), template);
                }
                save = (System.nanoTime() - t0) / 1e9;
            } finally {
                capabilities(qmp, caps, false);
                qmp.execute("cont", Map.of(), QMP);
            }
        }
        long bytes = Files.size(file) + (mode.equals("file+cow") ? allocated(template) : 0);
        double load = load(cmdline, mode, file, template, caps);
        Files.deleteIfExists(file);
        Files.deleteIfExists(template);
        return row(mode, ballastMb, String.format(Locale.ROOT, "%.2f s", save),
                String.format(Locale.ROOT, "%d MB%s", bytes >> 20, mode.equals("file+cow") ? " (devices + RAM copy)" : ""),
                String.format(Locale.ROOT, "%.2f s", load));
    }

    private static String row(String mode, int mb, String save, String size, String load) {
        return "| " + mode + " | " + mb + " MB | " + save + " | " + size + " | " + load + " |";
    }

    /** A second QEMU with the source's command line (its own QMP, no ports, a throwaway disk layer) loads the file. */
    private double load(List<String> source, String mode, Path file, Path template, Map<String, Boolean> caps)
            throws Exception {
        Path socket = work.resolve("dest.sock");
        var args = new ArrayList<String>();
        for (int i = 0; i < source.size(); i++) {
            String a = source.get(i);
            String v = i + 1 < source.size() ? source.get(i + 1) : "";
            switch (a) {
                case "-vnc", "-pidfile" -> i++;
                case "-serial" -> {
                    args.addAll(List.of("-serial", "null"));
                    i++;
                }
                case "-qmp" -> {
                    args.addAll(List.of("-qmp", "unix:" + socket + ",server=on,wait=off"));
                    i++;
                }
                case "-netdev" -> {
                    args.addAll(List.of("-netdev", v.replaceAll(",hostfwd=[^,]*", "").replaceAll(",guestfwd=[^,]*", "")));
                    i++;
                }
                case "-drive" -> {
                    args.addAll(List.of("-drive", v.replaceFirst(",cache=[^,]*", "") + ",snapshot=on,file.locking=off"));
                    i++;
                }
                case "-object" -> {
                    args.addAll(List.of("-object", mode.equals("file+cow")
                            ? v.replaceFirst("mem-path=[^,]*", "mem-path=" + template).replace("share=on", "share=off") : v));
                    i++;
                }
                default -> args.add(a);
            }
        }
        args.addAll(List.of("-incoming", "defer"));
        Process p = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(work.resolve("dest.log").toFile()).start();
        try (QmpClient qmp = QmpClient.connect(socket, QMP, p::isAlive)) {
            capabilities(qmp, caps, true);
            if (mode.equals("compressed")) {
                qmp.execute("migrate-set-parameters", Map.of("decompress-threads", 2), QMP);
            }
            long t0 = System.nanoTime();
            qmp.execute("migrate-incoming", Map.of("uri", "exec:cat " + file), QMP);
            await(qmp);
            return (System.nanoTime() - t0) / 1e9;
        } catch (IOException e) {
            throw new IOException(mode + ": the loading QEMU failed (" + e.getMessage() + "); it said: "
                    + LogTail.read(work.resolve("dest.log"), 10) + "; its command line: " + String.join(" ", args), e);
        } finally {
            p.destroyForcibly().waitFor();
            Files.deleteIfExists(socket);
        }
    }

    private static void await(QmpClient qmp) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode st = qmp.execute("query-migrate", Map.of(), QMP);
            String status = st.path("status").asText();
            if (status.equals("completed")) {
                return;
            }
            if (status.equals("failed") || status.equals("cancelled")) {
                throw new IOException("migration " + status + ": " + st.path("error-desc").asText());
            }
            Thread.sleep(10);
        }
        throw new IOException("migration did not complete in " + LONG);
    }

    private static void capabilities(QmpClient qmp, Map<String, Boolean> caps, boolean on) throws IOException {
        if (caps.isEmpty()) {
            return;
        }
        var list = caps.keySet().stream().map(c -> Map.<String, Object>of("capability", c, "state", on)).toList();
        qmp.execute("migrate-set-capabilities", Map.of("capabilities", list), QMP);
    }

    private static void ballast(VmEndpoints ep, int mb) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + ep.host()
                        + ":" + ep.serverPort() + "/setup/ballast")).timeout(LONG).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"mb\": " + mb + "}")).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("/setup/ballast answered " + r.statusCode() + ": " + r.body());
        }
    }

    private static void copy(Path from, Path to) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("cp", "--sparse=always", from.toString(), to.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("cp failed");
        }
    }

    private static long allocated(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("du", "-B1", file.toString()).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor();
        return Long.parseLong(out.split("\\s+")[0]);
    }

    private static List<String> cmdline(long pid) throws IOException {
        String raw = Files.readString(Path.of("/proc/" + pid + "/cmdline"));
        return List.of(raw.split("\0"));
    }

    private static String option(List<String> cmdline, String name) {
        int i = cmdline.indexOf(name);
        if (i < 0 || i + 1 >= cmdline.size()) {
            throw new IllegalStateException("no " + name + " in " + cmdline);
        }
        return cmdline.get(i + 1);
    }
}
