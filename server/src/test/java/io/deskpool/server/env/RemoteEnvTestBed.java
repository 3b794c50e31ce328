package io.deskpool.server.env;

import io.deskpool.core.pool.VmState;
import io.deskpool.core.settings.Settings;
import io.deskpool.server.DeskpoolServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.fail;

/**
 * A server on the real QEMU provider with the test desktop guest, set up as a training cluster would use it: the
 * token {@code lab} is ENV_ANONYMOUS_TOKEN, so the ARPO and ENVS clients call without a token from loopback.
 */
final class RemoteEnvTestBed implements AutoCloseable {
    static final String LAB = "lab-anonymous-token";

    final DeskpoolServer server;
    final Path state;

    RemoteEnvTestBed(int vms, int warm, int labLimit, Map<String, String> extra) {
        try {
            state = Files.createTempDirectory("deskpool-remote-env-");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        var s = new HashMap<String, String>();
        s.putAll(Map.of("PROVIDER", "qemu", "STATE_DIR", state.toString(), "HOST", "127.0.0.1", "PORT", "0",
                "TOKENS", LAB + ":" + labLimit, "ENV_ANONYMOUS_TOKEN", LAB, "POOL_SIZE", String.valueOf(vms),
                "POOL_WARM", String.valueOf(warm), "VM_READY_TIMEOUT", "240", "ENV_STEP_PAUSE", "0"));
        SessionGuestTest.guestImage().ifPresent(qcow2 -> s.put("PATH_TO_VM", qcow2));
        s.putAll(extra);
        server = DeskpoolServer.start(Settings.of(s), Clock.systemUTC());
        eventually("the pool has " + warm + " warm VM(s)", () -> server.pool().status().count(VmState.WARM) >= warm, 300);
    }

    /** The base URL of the ENV_PORT listener, where trainers point env.remote_server_url. */
    String envUrl() {
        return "http://127.0.0.1:" + server.envPort().orElseThrow();
    }

    /** The base URL of the main port. */
    String mainUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** An OSWorld task scored on the accessibility tree, where the guest shows the text typed into it. */
    static Map<String, Object> typedTask(String id, String include, String exclude) {
        return Map.of("id", id, "instruction", "Type the word " + include + ".",
                "evaluator", Map.of("func", "check_include_exclude", "result", Map.of("type", "accessibility_tree"),
                        "expected", Map.of("type", "rule", "rules", Map.of("include", List.of(include),
                                "exclude", List.of(exclude)))));
    }

    static void eventually(String what, BooleanSupplier condition, int seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + seconds + " s waiting until " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    @Override
    public void close() {
        server.close();
        SessionGuestTest.deleteTree(state);
    }
}
