package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.env.spi.StepOutcome;
import io.deskpool.env.spi.StepReward;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.Map;

/** The step reward ENV_STEP_REWARD chose among the plugins on the class path. */
public final class StepRewards {
    private static final Logger log = LoggerFactory.getLogger(StepRewards.class);

    private final StepReward chosen;

    /** @throws DeskpoolException naming ENV_STEP_REWARD when {@code name} is not among {@code rewards} */
    public StepRewards(Collection<StepReward> rewards, String name) {
        Map<String, StepReward> byName = Plugins.index(rewards, StepReward::name, "step reward");
        this.chosen = byName.get(name);
        if (chosen == null) {
            throw new DeskpoolException(ErrorCode.INVALID_SETTING, EnvSettings.STEP_REWARD.name() + "='" + name
                    + "' names no step reward on the class path (found: " + String.join(", ", byName.keySet()) + ")");
        }
    }

    public static StepRewards load(String name) {
        StepRewards r = new StepRewards(Plugins.load(StepReward.class, StepReward::name, "step reward").values(), name);
        log.info("Step reward: {} ({})", name, r.chosen.getClass().getName());
        return r;
    }

    public String name() {
        return chosen.name();
    }

    /** The chosen reward of a step; a plugin that throws or answers NaN fails the step as a server error. */
    double reward(StepOutcome outcome) {
        double r;
        try {
            r = chosen.reward(outcome);
        } catch (RuntimeException e) {
            throw EnvFailure.STEP_REWARD_FAILED.exception("step reward '" + chosen.name() + "' failed: " + e,
                    Map.of("step_reward", chosen.name()), e);
        }
        if (!Double.isFinite(r)) {
            throw EnvFailure.STEP_REWARD_FAILED.exception("step reward '" + chosen.name() + "' gave " + r
                    + ", not a number", Map.of("step_reward", chosen.name()), null);
        }
        return r;
    }
}
