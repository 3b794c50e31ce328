package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.Metric;

/** A metric plugin that lives only on the test class path, registered through META-INF/services like any plugin jar. */
public final class NonEmptyResultPlugin implements Metric {
    @Override
    public String name() {
        return "test_plugin_non_empty";
    }

    @Override
    public double score(JsonNode result, JsonNode expected, JsonNode options, EvalFiles files) {
        return result != null && result.isTextual() && !result.asText().isBlank() ? 1 : 0;
    }
}
