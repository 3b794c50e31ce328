package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;

/** The {@code command} of the command getters: a string, or a list of strings. */
final class VmCommands {
    private VmCommands() {
    }

    static JsonNode command(JsonNode config, String getter) {
        JsonNode c = config.path("command");
        boolean ok = (c.isTextual() && !c.asText().isBlank()) || (c.isArray() && !c.isEmpty());
        if (c.isArray()) {
            for (JsonNode w : c) {
                ok &= w.isTextual();
            }
        }
        if (!ok) {
            throw new IllegalArgumentException("a '" + getter + "' getter needs 'command': a string or a list of strings");
        }
        return c;
    }
}
