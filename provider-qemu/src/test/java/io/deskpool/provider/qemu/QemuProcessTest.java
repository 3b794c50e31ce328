package io.deskpool.provider.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the provider says about a QEMU process that ended, and whether it asked for that. */
class QemuProcessTest {
    @TempDir
    Path tmp;

    private QemuProcess started(String... argv) throws Exception {
        VmDirectory dir = new VmDirectory(tmp.resolve("vm"));
        dir.create();
        return QemuProcess.start(List.of(argv), dir);
    }

    /**
     * Sends SIGSTOP and waits until the kernel shows the process stopped: kill(1) returns once the signal
     * is queued, and a busy host may not have run the target to act on it yet.
     */
    private static void freeze(QemuProcess p) throws Exception {
        new ProcessBuilder("kill", "-STOP", Long.toString(p.pid())).start().waitFor();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!ProcState.stopped(p.pid()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void a_process_killed_by_a_signal_says_which_signal() throws Exception {
        QemuProcess p = started("sleep", "60");

        ProcessHandle.of(p.pid()).orElseThrow().destroyForcibly();
        assertThat(p.awaitExit(Duration.ofSeconds(10))).isTrue();

        assertThat(p.exitDescription()).isEqualTo("was killed by signal 9");
        assertThat(p.stopRequested()).isFalse();
    }

    @Test
    void a_process_that_exits_on_its_own_says_its_exit_code() throws Exception {
        QemuProcess p = started("sh", "-c", "exit 3");

        assertThat(p.awaitExit(Duration.ofSeconds(10))).isTrue();

        assertThat(p.exitDescription()).isEqualTo("exited with code 3");
    }

    @Test
    void a_stopped_process_is_stopped_but_still_running() throws Exception {
        QemuProcess p = started("sleep", "60");
        try {
            freeze(p);

            assertThat(p.isStopped()).isTrue();
            assertThat(p.isRunning()).isTrue();
        } finally {
            p.stop(Duration.ofSeconds(1));
        }
        assertThat(p.stopRequested()).isTrue();
        assertThat(p.isRunning()).isFalse();
    }

    @Test
    void a_frozen_process_is_killed_at_once_instead_of_after_the_grace() throws Exception {
        QemuProcess p = started("sleep", "600");
        freeze(p);

        // The grace is far longer than the guard: a stop that waited it out would fail here.
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> p.stop(Duration.ofMinutes(5)));

        assertThat(p.isRunning()).isFalse();
    }
}
