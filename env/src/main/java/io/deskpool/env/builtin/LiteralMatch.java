package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.Metric;

import java.util.Locale;

/**
 * OSWorld's {@code literal_match(result, expected, type="str"|"list", ignore_case=False)}: compares
 * {@code str()} of both, or two lists element by element.
 */
public final class LiteralMatch implements Metric {
    @Override
    public String name() {
        return "literal_match";
    }

    @Override
    public double score(JsonNode result, JsonNode expected, JsonNode options, EvalFiles files) {
        boolean ignoreCase = options.path("ignore_case").asBoolean(false);
        String type = options.path("type").asText("str");
        switch (type) {
            case "str" -> {
                return same(PyValues.str(result), PyValues.str(expected), ignoreCase) ? 1 : 0;
            }
            case "list" -> {
                if (result == null || expected == null || !result.isArray() || !expected.isArray() || result.size() != expected.size()) {
                    return 0;
                }
                for (int i = 0; i < result.size(); i++) {
                    if (!same(PyValues.str(result.get(i)), PyValues.str(expected.get(i)), ignoreCase)) {
                        return 0;
                    }
                }
                return 1;
            }
            default -> throw new IllegalArgumentException("literal_match option type must be str or list, got " + type);
        }
    }

    private static boolean same(String a, String b, boolean ignoreCase) {
        return ignoreCase ? a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT)) : a.equals(b);
    }
}
