package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.Metric;

/** OSWorld's {@code match_in_list(result, rules)}: 1 when {@code result in rules["expected"]}. */
public final class MatchInList implements Metric {
    @Override
    public String name() {
        return "match_in_list";
    }

    @Override
    public double score(JsonNode result, JsonNode expected, JsonNode options, EvalFiles files) {
        return PyValues.contains(PyValues.expectedOf(expected, name()), result) ? 1 : 0;
    }
}
