package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.Metric;

/**
 * OSWorld's {@code check_include_exclude(result, rules)}: 1 when the result contains every string of
 * {@code rules["include"]} and none of {@code rules["exclude"]}; 0 for no result.
 */
public final class CheckIncludeExclude implements Metric {
    @Override
    public String name() {
        return "check_include_exclude";
    }

    @Override
    public double score(JsonNode result, JsonNode rules, JsonNode options, EvalFiles files) {
        if (PyValues.isNone(result)) {
            return 0;
        }
        if (rules == null || !rules.isObject()) {
            throw new IllegalArgumentException("check_include_exclude needs rules {\"include\": [...], \"exclude\": [...]}");
        }
        for (JsonNode s : rules.path("include")) {
            if (!PyValues.contains(result, s)) {
                return 0;
            }
        }
        for (JsonNode s : rules.path("exclude")) {
            if (PyValues.contains(result, s)) {
                return 0;
            }
        }
        return 1;
    }
}
