package io.deskpool.server.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;

/** {@code deskpool chaos} arguments. */
record ChaosOptions(Duration length, int clients, int vms, String provider, boolean json, Duration healthInterval,
                    Duration faultEvery, Duration freeze, long seed, Optional<Path> workDir, int episodeClients,
                    Set<FaultKind> faults, Optional<Path> engineScript) {

    static final String USAGE = """
            Usage: java -jar deskpool.jar chaos [--minutes M] [--clients N] [--vms V] [--provider qemu|docker] [--json]
                                                 [--health-interval S] [--fault-every S] [--freeze S] [--seed X]
                                                 [--work-dir DIR] [--faults KIND,KIND...] [--engine-script FILE]
              Starts a server on the provider (QEMU by default) as a child process with POOL_SIZE=V, and N clients:
              most lease VMs through /v1/leases, write their id into the VM through its /execute, check it and
              release; every third runs env episodes as an ENVS trainer (reset, UI-TARS steps, evaluate).
              Meanwhile it injects faults at random times (about one every --fault-every seconds): kill -9 of a VM's
              QEMU or container (leased, warm, reverting, booting), freezing a VM for --freeze seconds, kill -9 of
              the server and a restart, a state directory that fills up (a small tmpfs, only as root), a Docker
              engine restart (docker provider; scripts/docker-engine.sh restart of the checkout the jar is in, found
              from the jar's path, or --engine-script FILE). It checks the whole time that no two clients hold one
              VM, that every hand-out is clean, that no token holds more VMs than its limit, that a lease on a VM
              that died is told so within HEALTH_INTERVAL + 5 s, that /status answers within 1 s (except while the
              server restarts), and that no VM is left after the final graceful stop. Prints a table, or with
              --json the JSON report; exits 1 on any violation, and when no fault was injected in a run with room
              for 5 or more (its length less the last 45 s, at one every --fault-every). --faults limits the kinds
              (kill_leased, kill_warm, kill_reverting, kill_booting, freeze, server_kill, disk_full, docker_restart).
              Defaults: --minutes 3 --clients 4 --vms 4 --health-interval 10 --fault-every 15 --freeze 30""";

    static ChaosOptions parse(List<String> args) {
        double minutes = 3;
        int clients = 4;
        int vms = 4;
        String provider = "qemu";
        boolean json = false;
        double health = 10;
        double faultEvery = 15;
        double freeze = 30;
        long seed = System.nanoTime();
        Path workDir = null;
        Path engineScript = null;
        Set<FaultKind> faults = EnumSet.allOf(FaultKind.class);
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--help") || a.equals("-h")) {
                throw new IllegalArgumentException("");
            }
            if (a.equals("--json")) {
                json = true;
                continue;
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException("missing value after " + a);
            }
            String v = args.get(++i);
            switch (a) {
                case "--minutes" -> minutes = positive(a, v);
                case "--clients" -> clients = whole(a, v, 1);
                case "--vms" -> vms = whole(a, v, 1);
                case "--provider" -> {
                    if (!v.equals("qemu") && !v.equals("docker")) {
                        throw new IllegalArgumentException("--provider must be qemu or docker, got '" + v + "'");
                    }
                    provider = v;
                }
                case "--health-interval" -> health = positive(a, v);
                case "--fault-every" -> faultEvery = positive(a, v);
                case "--freeze" -> freeze = positive(a, v);
                case "--seed" -> seed = (long) whole(a, v, 0);
                case "--work-dir" -> workDir = Path.of(v);
                case "--faults" -> faults = faultKinds(v);
                case "--engine-script" -> engineScript = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return new ChaosOptions(seconds(minutes * 60), clients, vms, provider, json, seconds(health),
                seconds(faultEvery), seconds(freeze), seed, Optional.ofNullable(workDir), clients / 3, faults,
                Optional.ofNullable(engineScript));
    }

    /** Clients that lease VMs through /v1/leases (the others run env episodes). */
    int leaseClients() {
        return clients - episodeClients;
    }

    private static Set<FaultKind> faultKinds(String list) {
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        for (String name : list.split(",")) {
            try {
                kinds.add(FaultKind.valueOf(name.strip().toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--faults: unknown fault kind '" + name.strip() + "'");
            }
        }
        return kinds;
    }

    private static Duration seconds(double s) {
        return Duration.ofMillis(Math.round(s * 1000));
    }

    private static double positive(String opt, String v) {
        try {
            double d = Double.parseDouble(v);
            if (d > 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(opt + " must be a number > 0, got '" + v + "'");
    }

    private static int whole(String opt, String v, int min) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(opt + " must be a whole number >= " + min + ", got '" + v + "'");
    }
}
