package io.deskpool.env.spi;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What one step did, for a {@link StepReward}.
 *
 * @param prediction  the model's raw output
 * @param parsed      what the action parser made of it
 * @param step        the episode's step count after this step (each executed action counts, as in ARPO)
 * @param maxSteps    the episode's step limit
 * @param episodeDone whether the episode ended with this step
 * @param executed    the actions run, in order, with what the VM answered
 * @param observed    whether a new screenshot was taken after the actions
 */
public record StepOutcome(String prediction, ParsedPrediction parsed, int step, int maxSteps, boolean episodeDone,
                          List<Executed> executed, boolean observed) {
    public StepOutcome {
        requireNonNull(prediction, "prediction is null");
        requireNonNull(parsed, "parsed is null");
        executed = List.copyOf(executed);
    }

    /** One action and the VM's answer: returncode 0 and no error for WAIT, DONE and FAIL. */
    public record Executed(GuestAction action, int returncode, String error) {
        public Executed {
            requireNonNull(action, "action is null");
            requireNonNull(error, "error is null");
        }

        public boolean succeeded() {
            return returncode == 0 && error.isEmpty();
        }
    }
}
