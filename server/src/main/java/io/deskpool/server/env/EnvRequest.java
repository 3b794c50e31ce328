package io.deskpool.server.env;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.env.EnvJson;
import io.javalin.http.Context;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** An env request's JSON body with typed, checked fields; malformed input is a 400 naming the field. */
final class EnvRequest {
    private final JsonNode root;

    private EnvRequest(JsonNode root) {
        this.root = root;
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

    /** {@code session_id} from the body, else from {@code ?session_id=}. */
    Optional<String> sessionId(Context ctx) {
        JsonNode n = root.path("session_id");
        if (n.isTextual() && !n.asText().isBlank()) {
            return Optional.of(n.asText());
        }
        if (!n.isMissingNode() && !n.isNull() && !n.isTextual()) {
            throw bad("field 'session_id' must be a string");
        }
        return Optional.ofNullable(ctx.queryParam("session_id")).filter(s -> !s.isBlank());
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
        return new DeskpoolException(ErrorCode.INVALID_ARGUMENT, message, Map.of("reason", "invalid_request"), null);
    }
}
