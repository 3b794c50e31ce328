package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.Metric;

/** OSWorld's {@code is_in_list(result, rules)}: 1 when {@code rules["expected"] in result}. */
public final class IsInList implements Metric {
    @Override
    public String name() {
        return "is_in_list";
    }

    @Override
    public double score(JsonNode result, JsonNode expected, JsonNode options, EvalFiles files) {
        return PyValues.contains(result, PyValues.expectedOf(expected, name())) ? 1 : 0;
    }
}
