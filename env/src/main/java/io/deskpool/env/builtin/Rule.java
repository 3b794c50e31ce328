package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.spi.EvalContext;
import io.deskpool.env.spi.Getter;

/** OSWorld's {@code get_rule}: the config's {@code rules}, as written in the task. */
public final class Rule implements Getter {
    @Override
    public String type() {
        return "rule";
    }

    @Override
    public JsonNode get(JsonNode config, EvalContext context) {
        if (!config.has("rules")) {
            throw new IllegalArgumentException("a 'rule' getter needs 'rules'");
        }
        return config.get("rules");
    }
}
