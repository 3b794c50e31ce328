package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.Metric;

/** OSWorld's {@code exact_match(result, rules)}: 1 when {@code result == rules["expected"]}. */
public final class ExactMatch implements Metric {
    @Override
    public String name() {
        return "exact_match";
    }

    @Override
    public double score(JsonNode result, JsonNode expected, JsonNode options, EvalFiles files) {
        return PyValues.equal(result, PyValues.expectedOf(expected, name())) ? 1 : 0;
    }
}
