package io.deskpool.server.chaos;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** {@code deskpool chaos}: a soak under random faults that checks the pool's promises (see {@link ChaosOptions#USAGE}). */
public final class ChaosCommand {
    private ChaosCommand() {
    }

    /**
     * Returns the exit status: 0 for a run that passed, 1 for one with violations or without any fault injected
     * ({@link #exitStatus}), 2 for bad arguments or a run that could not start.
     */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        ChaosOptions options;
        try {
            options = ChaosOptions.parse(args);
        } catch (IllegalArgumentException e) {
            if (e.getMessage().isEmpty()) {
                // --help: asked for, so on standard output like every other command's help.
                out.println(ChaosOptions.USAGE);
                return 0;
            }
            err.println("deskpool chaos: " + e.getMessage());
            err.println(ChaosOptions.USAGE);
            return 2;
        }
        ChaosRun run = new ChaosRun(options);
        Map<String, Object> report;
        try {
            report = run.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("deskpool chaos: interrupted");
            return 2;
        } catch (Exception e) {
            err.println("deskpool chaos: the run could not go on: " + e.getMessage());
            return 2;
        }
        if (options.json()) {
            try {
                out.println(ChaosHttp.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            ChaosReport.table(report, out);
        }
        return exitStatus(report);
    }

    /** 0 when the report says the run passed, 1 when not. */
    static int exitStatus(Map<String, Object> report) {
        return ChaosReport.passed(report) ? 0 : 1;
    }
}
