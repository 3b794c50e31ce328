package io.deskpool.env;

import io.deskpool.env.spi.StepOutcome;
import io.deskpool.env.spi.StepReward;

/** A lab's own step reward, registered in the test resources, to show ServiceLoader finds it by name. */
public class ShapedRewardPlugin implements StepReward {
    public static final double PARSED = 0.1;

    @Override
    public String name() {
        return "shaped";
    }

    @Override
    public double reward(StepOutcome outcome) {
        return outcome.parsed().parsed() ? PARSED + 0.05 * outcome.executed().stream().filter(StepOutcome.Executed::succeeded).count() : -1.0;
    }
}
