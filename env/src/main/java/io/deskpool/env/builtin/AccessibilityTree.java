package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.deskpool.env.spi.EvalContext;
import io.deskpool.env.spi.Getter;

/** OSWorld's {@code get_accessibility_tree}: the desktop's accessibility tree XML ({@code GET /accessibility}). */
public final class AccessibilityTree implements Getter {
    @Override
    public String type() {
        return "accessibility_tree";
    }

    @Override
    public JsonNode get(JsonNode config, EvalContext context) {
        return JsonNodeFactory.instance.textNode(context.guest().accessibilityTree());
    }
}
