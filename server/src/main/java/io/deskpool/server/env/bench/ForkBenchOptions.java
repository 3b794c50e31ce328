package io.deskpool.server.env.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code deskpool bench fork} arguments. */
record ForkBenchOptions(List<Integer> copies, List<Integer> ballastMb, int ballastCopies, List<Integer> branchSteps,
                        double cpuSeconds, Duration replayPause, Duration bootTimeout) {

    static final String USAGE = """
            Usage: java -jar deskpool.jar bench fork [--copies 4,8] [--ballast 0,300,600] [--ballast-copies 4]
                                                      [--branch-steps 5,20] [--cpu-seconds 5] [--replay-pause 1]
                                                      [--boot-timeout SECONDS]
              Forks a prepared desktop through /v1/sessions/{id}/fork and compares it with what a client does
              without fork, on servers started in this process from the usual settings (PROVIDER, ...): the N
              fresh resets on one of exactly N warm VMs, the fork on one of POOL_SIZE=N+1 without spares, so no
              VM but the measured ones runs and no boot runs while anything is timed; a VM booted for a reset
              is not counted:
                copies    N copies ready to act: one reset running the task's setup (a guest shell loop costing
                          --cpu-seconds of guest CPU, then a marker file) and a fork into N, against N fresh
                          resets running the same setup at once
                ballast   on 1 GB guests, N=--ballast-copies: the parent gets M MB of random data in its RAM after
                          the setup (POST /setup/ballast of the test guest, not timed), then the fork into N,
                          against N fresh resets (measured once: a fresh VM holds no ballast)
                branch    a session k steps in, branched: a fork into 1, against a fresh reset plus the k steps
                          replayed with --replay-pause between them (as ENVS's /env/replay does)
              Every copy's screenshot is compared with the parent's taken just before the fork; every copy must
              have the setup's marker file. Not a test: numbers on a shared machine vary run to run.""";

    static ForkBenchOptions parse(List<String> args) {
        List<Integer> copies = List.of(4, 8);
        List<Integer> ballast = List.of(0, 300, 600);
        int ballastCopies = 4;
        List<Integer> branch = List.of(5, 20);
        double cpu = 5;
        double pause = 1;
        double boot = 900;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--help") || a.equals("-h")) {
                throw new IllegalArgumentException("");
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException("missing value after " + a);
            }
            String v = args.get(++i);
            switch (a) {
                case "--copies" -> copies = list(a, v, 1);
                case "--ballast" -> ballast = list(a, v, 0);
                case "--ballast-copies" -> ballastCopies = list(a, v, 1).get(0);
                case "--branch-steps" -> branch = list(a, v, 0);
                case "--cpu-seconds" -> cpu = number(a, v);
                case "--replay-pause" -> pause = number(a, v);
                case "--boot-timeout" -> boot = number(a, v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return new ForkBenchOptions(copies, ballast, ballastCopies, branch, cpu, Duration.ofMillis(Math.round(pause * 1000)),
                Duration.ofMillis(Math.round(boot * 1000)));
    }

    int maxCopies() {
        return copies.stream().mapToInt(Integer::intValue).max().orElse(1);
    }

    /** A comma-separated list of whole numbers >= min; "none" is an empty list (that part is skipped). */
    private static List<Integer> list(String opt, String v, int min) {
        if (v.equals("none")) {
            return List.of();
        }
        var out = new ArrayList<Integer>();
        for (String part : v.split(",")) {
            try {
                int n = Integer.parseInt(part.trim());
                if (n >= min) {
                    out.add(n);
                    continue;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException(opt + " must be whole numbers >= " + min + " separated by commas (or "
                    + "none), got '" + v + "'");
        }
        return List.copyOf(out);
    }

    private static double number(String opt, String v) {
        try {
            double d = Double.parseDouble(v);
            if (d >= 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(opt + " must be a number >= 0, got '" + v + "'");
    }
}
