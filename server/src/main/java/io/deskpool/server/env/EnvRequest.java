package io.deskpool.server.env;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.env.EnvFailure;
import io.deskpool.env.EnvJson;
import io.javalin.http.Context;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** An env request's JSON body with typed, checked fields; malformed input is a 400 naming the field. */
final class EnvRequest {
    private final JsonNode root;

    private EnvRequest(JsonNode root) {
        this.root = root;
    }

    /** A request without a body (GET). */
    static EnvRequest empty() {
        return new EnvRequest(EnvJson.MAPPER.createObjectNode());
    }

    static EnvRequest of(Context ctx) {
        String text = ctx.body();
        if (text.isBlank()) {
            return new EnvRequest(EnvJson.MAPPER.createObjectNode());
        }
        try {
            JsonNode n = EnvJson.MAPPER.readTree(text);
            if (n == null || !n.isObject()) {
                throw bad("request body must be a JSON object");
            }
            return new EnvRequest(n);
        } catch (JsonProcessingException e) {
            throw bad("request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    JsonNode node(String field) {
        return root.path(field);
    }

    /** Whether the body has {@code field} with a value other than null. */
    boolean has(String field) {
        JsonNode n = root.path(field);
        return !n.isMissingNode() && !n.isNull();
    }

    /** A required JSON object field. */
    JsonNode object(String field) {
        JsonNode n = root.path(field);
        if (!n.isObject()) {
            throw bad("field '" + field + "' is required and must be a JSON object" + (has(field) ? "" : " (it is missing)"));
        }
        return n;
    }

    /** A required string field (may be empty). */
    String string(String field) {
        JsonNode n = root.path(field);
        if (!n.isTextual()) {
            throw bad("field '" + field + "' is required and must be a string" + (has(field) ? "" : " (it is missing)"));
        }
        return n.asText();
    }

    Optional<String> optionalString(String field) {
        return has(field) ? Optional.of(string(field)) : Optional.empty();
    }

    Optional<Double> number(String field) {
        JsonNode n = root.path(field);
        if (!has(field)) {
            return Optional.empty();
        }
        if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw bad("field '" + field + "' must be a number");
        }
        return Optional.of(n.asDouble());
    }

    Optional<Integer> integer(String field, int min, int max) {
        JsonNode n = root.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min || n.asInt() > max) {
            throw bad("field '" + field + "' must be a whole number from " + min + " to " + max);
        }
        return Optional.of(n.asInt());
    }

    /** A required array of 1 to {@code maxItems} whole numbers, each from {@code min} to {@code max}. */
    List<Integer> integers(String field, int min, int max, int maxItems) {
        JsonNode n = root.path(field);
        String what = "field '" + field + "' is required and must be an array of 1 to " + maxItems
                + " whole numbers from " + min + " to " + max;
        if (!n.isArray() || n.isEmpty() || n.size() > maxItems) {
            throw bad(what);
        }
        var out = new ArrayList<Integer>();
        for (JsonNode item : n) {
            if (!item.isIntegralNumber() || !item.canConvertToInt() || item.asInt() < min || item.asInt() > max) {
                throw bad(what + ", got " + item);
            }
            out.add(item.asInt());
        }
        return out;
    }

    Optional<Duration> seconds(String field, Duration max) {
        JsonNode n = root.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isNumber() || n.asDouble() < 0 || !Double.isFinite(n.asDouble())) {
            throw bad("field '" + field + "' must be a number of seconds >= 0");
        }
        Duration d = Duration.ofMillis(Math.round(n.asDouble() * 1000));
        if (d.compareTo(max) > 0) {
            throw bad("field '" + field + "' must be at most " + max.toMillis() / 1000.0 + " seconds");
        }
        return Optional.of(d);
    }

    Optional<Boolean> bool(String field) {
        JsonNode n = root.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isBoolean()) {
            throw bad("field '" + field + "' must be true or false");
        }
        return Optional.of(n.asBoolean());
    }

    Optional<String> choice(String field, String... allowed) {
        JsonNode n = root.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return Optional.empty();
        }
        for (String a : allowed) {
            if (a.equals(n.asText()) && n.isTextual()) {
                return Optional.of(a);
            }
        }
        throw bad("field '" + field + "' must be one of " + String.join(", ", allowed));
    }

    static DeskpoolException bad(String message) {
        return EnvFailure.INVALID_REQUEST.exception(message);
    }
}
