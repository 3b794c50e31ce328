package io.deskpool.server.env.bench;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code deskpool bench} arguments. */
record BenchOptions(int workers, int vms, int steps, int episodes, Optional<String> url, Optional<String> token,
                    Duration stepPause, Duration bootTimeout, String dialect) {

    static final String USAGE = """
            Usage: java -jar deskpool.jar bench [--dialect native|arpo|envs] [--workers N] [--vms M] [--steps K]
                                                 [--episodes E] [--url URL --token T] [--pause SECONDS]
                                                 [--boot-timeout SECONDS]
              Runs N simulated rollout workers against M VMs. Each episode resets to a small task with a setup
              step, takes K clicks, and is evaluated:
                native  POST /v1/sessions, K pyautogui clicks on /v1/sessions/{id}/step, evaluate, DELETE
                arpo    worker k calls /slots/k/env/reset, K UI-TARS predictions on /env/step, /env/evaluate
                envs    as arpo on /env/* with slot_id k in every body
              (--pause is each step's pause; it sets ENV_STEP_PAUSE of the in-process server.) Reports episodes per
              minute, VM utilisation (leased VM-seconds / (M x wall seconds)) and call latencies.
              Without --url it starts the server in this process from the usual settings (PROVIDER, PATH_TO_VM,
              ...) with POOL_SIZE=POOL_WARM=M and waits until the M VMs are warm before measuring.
              Defaults: --dialect native --workers 4 --vms 2 --steps 3 --episodes 4*workers --pause 0
              'bench fork --help': forking a prepared desktop against fresh resets and replays.""";

    static BenchOptions parse(List<String> args) {
        int workers = 4;
        int vms = 2;
        int steps = 3;
        Integer episodes = null;
        String url = null;
        String token = null;
        double pause = 0;
        double boot = 900;
        String dialect = "native";
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
                case "--workers" -> workers = positive(a, v);
                case "--vms" -> vms = positive(a, v);
                case "--steps" -> steps = atLeast(a, v, 0);
                case "--episodes" -> episodes = positive(a, v);
                case "--url" -> url = v.replaceAll("/+$", "");
                case "--token" -> token = v;
                case "--pause" -> pause = seconds(a, v);
                case "--boot-timeout" -> boot = seconds(a, v);
                case "--dialect" -> {
                    if (!java.util.Set.of("native", "arpo", "envs").contains(v)) {
                        throw new IllegalArgumentException("--dialect must be native, arpo or envs, got '" + v + "'");
                    }
                    dialect = v;
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return new BenchOptions(workers, vms, steps, episodes == null ? 4 * workers : episodes, Optional.ofNullable(url),
                Optional.ofNullable(token), Duration.ofMillis(Math.round(pause * 1000)), Duration.ofMillis(Math.round(boot * 1000)),
                dialect);
    }

    private static int positive(String opt, String v) {
        return atLeast(opt, v, 1);
    }

    private static int atLeast(String opt, String v, int min) {
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

    private static double seconds(String opt, String v) {
        try {
            double d = Double.parseDouble(v);
            if (d >= 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(opt + " must be a number of seconds >= 0, got '" + v + "'");
    }
}
