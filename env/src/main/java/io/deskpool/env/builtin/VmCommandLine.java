package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.deskpool.env.spi.EvalContext;
import io.deskpool.env.spi.Getter;

/** OSWorld's {@code get_vm_command_line}: runs {@code command} (with {@code shell}) in the VM, returns its stdout. */
public final class VmCommandLine implements Getter {
    @Override
    public String type() {
        return "vm_command_line";
    }

    @Override
    public JsonNode get(JsonNode config, EvalContext context) {
        JsonNode command = VmCommands.command(config, type());
        return JsonNodeFactory.instance.textNode(context.guest().execute(command, config.path("shell").asBoolean(false)).output());
    }
}
