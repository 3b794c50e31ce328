package io.deskpool.env;

import io.deskpool.env.spi.ParsedPrediction;
import io.deskpool.env.spi.StepOutcome;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A finished step.
 *
 * @param step        the episode's action count after this step
 * @param done        whether the episode ended with this step
 * @param endedBy     why it ended: "done", "fail", "max_steps" or "unparsable"; empty while it goes on
 * @param parsed      what the parser made of the prediction
 * @param executed    the actions run and what the VM answered
 * @param reward      the step reward (ENV_STEP_REWARD)
 * @param observation the screenshot after the step; empty when the episode ended and no one asked for it
 */
public record StepResult(SessionView session, int step, int maxSteps, boolean done, Optional<String> endedBy,
                         ParsedPrediction parsed, List<StepOutcome.Executed> executed, double reward,
                         Optional<Observation> observation, Duration took) {
    public StepResult {
        requireNonNull(session, "session is null");
        requireNonNull(endedBy, "endedBy is null");
        requireNonNull(parsed, "parsed is null");
        executed = List.copyOf(executed);
        requireNonNull(observation, "observation is null");
        requireNonNull(took, "took is null");
    }
}
