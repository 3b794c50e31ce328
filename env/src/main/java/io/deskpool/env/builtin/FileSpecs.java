package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The file list of OSWorld's file getters: {@code path} + {@code dest} (or lists of them with {@code multi}),
 * and {@code gives} (indexes handed to the metric, default [0]: one path alone, several as a list).
 */
record FileSpecs(List<String> paths, List<String> dests, Set<Integer> gives) {
    static FileSpecs of(JsonNode config, String getter) {
        List<String> paths = new ArrayList<>();
        List<String> dests = new ArrayList<>();
        if (config.path("multi").asBoolean(false)) {
            JsonNode p = config.path("path");
            JsonNode d = config.path("dest");
            if (!p.isArray() || !d.isArray() || p.size() != d.size()) {
                throw new IllegalArgumentException("a multi '" + getter + "' getter needs lists 'path' and 'dest' of one length");
            }
            p.forEach(n -> paths.add(n.asText()));
            d.forEach(n -> dests.add(n.asText()));
        } else {
            if (!config.path("path").isTextual() || !config.path("dest").isTextual()) {
                throw new IllegalArgumentException("a '" + getter + "' getter needs 'path' and 'dest'");
            }
            paths.add(config.path("path").asText());
            dests.add(config.path("dest").asText());
        }
        Set<Integer> gives = new HashSet<>();
        JsonNode g = config.path("gives");
        if (g.isArray()) {
            g.forEach(n -> gives.add(n.asInt()));
        } else {
            gives.add(0);
        }
        for (String dest : dests) {
            Path name = Path.of(dest).getFileName();
            if (dest.isBlank() || name == null || !name.toString().equals(dest) || dest.equals("..")) {
                throw new IllegalArgumentException("'dest' must be a plain file name, got '" + dest + "'");
            }
        }
        return new FileSpecs(List.copyOf(paths), List.copyOf(dests), Set.copyOf(gives));
    }

    /** OSWorld's return shape: one value alone, several as a list. */
    static JsonNode shape(List<JsonNode> given) {
        if (given.size() == 1) {
            return given.get(0);
        }
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        given.forEach(a::add);
        return a;
    }
}
