package io.deskpool.env.spi;

/**
 * Scores one step for training: the {@code format_reward} of the ARPO/ENVS wire format. Found with ServiceLoader
 * ({@code META-INF/services/io.deskpool.env.spi.StepReward}), chosen by ENV_STEP_REWARD; the built-in
 * {@code format} gives -1.0 to a prediction with no parsable action and 0.0 to any other. A lab's own shaping is a
 * jar on the class path. Implementations are stateless and thread-safe.
 */
public interface StepReward {
    /** The name ENV_STEP_REWARD selects. */
    String name();

    /** The step's reward; must not throw (a failure here would end the rollout for a scoring bug). */
    double reward(StepOutcome outcome);
}
