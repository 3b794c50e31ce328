package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.deskpool.env.spi.EvalContext;
import io.deskpool.env.spi.Getter;

/** OSWorld's {@code get_vm_terminal_output}: the terminal's output ({@code GET /terminal}). */
public final class VmTerminalOutput implements Getter {
    @Override
    public String type() {
        return "vm_terminal_output";
    }

    @Override
    public JsonNode get(JsonNode config, EvalContext context) {
        return JsonNodeFactory.instance.textNode(context.guest().terminalOutput());
    }
}
