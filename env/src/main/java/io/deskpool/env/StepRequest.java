package io.deskpool.env;

import io.deskpool.env.spi.ActionParser;

import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One step: the model's raw output and the parser that reads it.
 *
 * @param pause           wait after each action before the screenshot (ENV_STEP_PAUSE)
 * @param a11y            whether the observation carries the accessibility tree (the reset's choice)
 * @param timeout         the step's deadline (ENV_STEP_TIMEOUT)
 * @param onUnparsable    what a prediction with no parsable action does
 * @param observeWhenDone whether to take a screenshot after the step that ends the episode
 */
public record StepRequest(String prediction, ActionParser parser, Optional<Duration> pause, Optional<Boolean> a11y,
                          Optional<Duration> timeout, Unparsable onUnparsable, boolean observeWhenDone) {
    /** The longest prediction a step takes. */
    public static final int MAX_PREDICTION_CHARS = 100_000;

    /** What happens to a prediction the parser cannot read. */
    public enum Unparsable {
        /** As ARPO: the step reward says so (format_reward -1.0) and the episode ends as DONE. */
        END_EPISODE,
        /** A 400 that changes nothing, for clients that send actions rather than model output. */
        REFUSE
    }

    public StepRequest {
        requireNonNull(prediction, "prediction is null");
        requireNonNull(parser, "parser is null");
        requireNonNull(pause, "pause is null");
        requireNonNull(a11y, "a11y is null");
        requireNonNull(timeout, "timeout is null");
        requireNonNull(onUnparsable, "onUnparsable is null");
    }
}
