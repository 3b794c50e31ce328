package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.Metric;

/**
 * OSWorld's {@code infeasible}: the task cannot be done, so the agent is right when its last action was
 * {@code FAIL}. The evaluation hands it the last action as the result.
 */
public final class Infeasible implements Metric {
    @Override
    public String name() {
        return "infeasible";
    }

    @Override
    public double score(JsonNode lastAction, JsonNode expected, JsonNode options, EvalFiles files) {
        return lastAction != null && "FAIL".equals(lastAction.asText()) ? 1 : 0;
    }
}
