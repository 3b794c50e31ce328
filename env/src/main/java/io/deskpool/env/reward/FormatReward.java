package io.deskpool.env.reward;

import io.deskpool.env.spi.StepOutcome;
import io.deskpool.env.spi.StepReward;

/** ARPO's format reward: -1.0 when the prediction had no parsable action (the episode then ends), else 0.0. */
public final class FormatReward implements StepReward {
    @Override
    public String name() {
        return "format";
    }

    @Override
    public double reward(StepOutcome outcome) {
        return outcome.parsed().parsed() ? 0.0 : -1.0;
    }
}
