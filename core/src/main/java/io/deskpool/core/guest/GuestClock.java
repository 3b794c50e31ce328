package io.deskpool.core.guest;

import io.deskpool.core.spi.VmEndpoints;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Sets a restored guest's clock, which otherwise stands at the time its state was saved, by running the configured
 * command ({@code {epoch}} = now in seconds) through the in-VM server's /execute, on a fresh connection each try
 * (connections from before a restore are stale). Shared by every provider that restores QEMU state.
 */
public final class GuestClock {
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);
    /** Words of letters, digits and {@code @ / . _ + : , -}: nothing a shell would read differently. */
    private static final Pattern PLAIN = Pattern.compile("\\s*[\\w@/.+:,-]+(\\s+[\\w@/.+:,-]+)*\\s*");

    private final String commandTemplate;
    private final Clock clock;

    /** {@code commandTemplate} empty (or blank): the clock is left alone. */
    public GuestClock(String commandTemplate, Clock clock) {
        this.commandTemplate = requireNonNull(commandTemplate, "commandTemplate is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * Runs the command, retrying while the server does not answer yet (a restored guest resumes within
     * milliseconds). A command that runs and fails is not retried.
     *
     * @param deathCheck why the VM can no longer answer, ending the wait early
     */
    public void set(VmEndpoints endpoints, long deadlineNanos, Supplier<Optional<String>> deathCheck) throws IOException {
        if (commandTemplate.isBlank()) {
            return;
        }
        String lastProblem = "no attempt";
        while (System.nanoTime() < deadlineNanos) {
            Optional<String> death = deathCheck.get();
            if (death.isPresent()) {
                throw new IOException("the VM stopped: " + death.get());
            }
            String command = commandTemplate.replace("{epoch}", Long.toString(Math.round(clock.millis() / 1000.0)));
            GuestExec.Result result = null;
            try {
                // A plain command runs without a shell: right after a restore every guest process start costs
                // (a fresh QEMU under software emulation translates the guest's code anew), N copies at once.
                result = PLAIN.matcher(command).matches()
                        ? GuestExec.program(endpoints, List.of(command.trim().split("\\s+")), ATTEMPT_TIMEOUT)
                        : GuestExec.shell(endpoints, command, ATTEMPT_TIMEOUT);
            } catch (IOException e) {
                lastProblem = e.toString();
            }
            if (result != null && result.succeeded()) {
                return;
            }
            if (result != null) {
                String problem = "HTTP " + result.httpStatus() + ", returncode " + result.returncode() + ": "
                        + (result.error().isEmpty() ? result.output() : result.error()).strip();
                if (result.httpStatus() == 200) {
                    throw new IOException("the clock command '" + command + "' failed in the guest (" + problem + ")");
                }
                lastProblem = problem;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while setting the guest clock");
            }
        }
        throw new IOException("the in-VM server did not take the clock command in time (" + lastProblem + ")");
    }
}
