package io.deskpool.env;

import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What a reset asks for besides the task; empty values take the settings.
 *
 * @param maxSteps        actions this episode may take (ENV_MAX_STEPS)
 * @param resetWait       how long to wait for a free VM (ENV_RESET_WAIT)
 * @param a11y            whether observations carry the accessibility tree
 * @param observe         whether the result carries the first screenshot (a client that fetches it itself says no)
 */
public record ResetOptions(Optional<Integer> maxSteps, Optional<Duration> resetWait, boolean a11y, boolean observe) {
    public static final ResetOptions DEFAULTS = new ResetOptions(Optional.empty(), Optional.empty(), false, true);

    public ResetOptions {
        requireNonNull(maxSteps, "maxSteps is null");
        requireNonNull(resetWait, "resetWait is null");
    }
}
