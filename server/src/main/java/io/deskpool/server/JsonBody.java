package io.deskpool.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.javalin.http.Context;

import java.util.Optional;
import java.util.OptionalInt;

/** A request's JSON body, parsed once per request; malformed JSON is a 400 that says where it broke. */
final class JsonBody {
    private static final String ATTRIBUTE = "deskpool.json-body";
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final JsonNode root;

    private JsonBody(JsonNode root) {
        this.root = root;
    }

    /** The body of this request; an empty body reads as an empty object. */
    static JsonBody of(Context ctx) {
        JsonBody cached = ctx.attribute(ATTRIBUTE);
        if (cached != null) {
            return cached;
        }
        String text = ctx.body();
        JsonBody body;
        if (text.isBlank()) {
            body = new JsonBody(MAPPER.createObjectNode());
        } else {
            try {
                JsonNode node = MAPPER.readTree(text);
                if (node == null || !node.isObject()) {
                    throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "request body must be a JSON object");
                }
                body = new JsonBody(node);
            } catch (JsonProcessingException e) {
                // Jackson's own limits (a 5,000-digit number, deep nesting) fail without a location.
                String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr() + ")";
                throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "request body is not valid JSON: "
                        + e.getOriginalMessage() + where);
            }
        }
        ctx.attribute(ATTRIBUTE, body);
        return body;
    }

    /**
     * Like {@link #of} but a body that is not JSON reads as empty (for token lookup on any request); a body over
     * MAX_BODY_BYTES is still a 413.
     */
    static JsonBody lenient(Context ctx) {
        try {
            return of(ctx);
        } catch (DeskpoolException e) {
            return new JsonBody(MissingNode.getInstance());
        }
    }

    JsonNode root() {
        return root;
    }

    Optional<String> text(String field) {
        JsonNode n = root.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isValueNode()) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field '" + field + "' must be a string");
        }
        String s = n.asText();
        return s.isBlank() ? Optional.empty() : Optional.of(s);
    }

    String requireText(String field) {
        return text(field).orElseThrow(() -> new DeskpoolException(ErrorCode.INVALID_ARGUMENT,
                "field '" + field + "' is required"));
    }

    OptionalInt integer(String field) {
        JsonNode n = root.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return OptionalInt.empty();
        }
        if (!n.canConvertToInt() || !(n.isIntegralNumber() || (n.isTextual() && n.asText().matches("-?\\d+")))) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field '" + field + "' must be a whole number");
        }
        return OptionalInt.of(n.asInt());
    }

    Optional<Double> number(String field) {
        JsonNode n = root.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isNumber()) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field '" + field + "' must be a number");
        }
        return Optional.of(n.asDouble());
    }

    boolean bool(String field, boolean fallback) {
        JsonNode n = root.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field '" + field + "' must be true or false");
        }
        return n.asBoolean();
    }
}
