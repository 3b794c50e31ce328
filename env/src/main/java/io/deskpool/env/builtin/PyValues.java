package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code ==}, {@code in} and {@code str()} on JSON values, as OSWorld's metrics apply them to what
 * getters return: numbers compare by value (1 == 1.0), strings contain substrings, lists contain elements,
 * objects contain keys.
 */
final class PyValues {
    private PyValues() {
    }

    static boolean equal(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return isNone(a) && isNone(b);
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!equal(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!b.has(e.getKey()) || !equal(e.getValue(), b.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Python's {@code item in container}; false for containers {@code in} does not apply to. */
    static boolean contains(JsonNode container, JsonNode item) {
        if (container == null || isNone(container)) {
            return false;
        }
        if (container.isTextual()) {
            return item != null && item.isTextual() && container.asText().contains(item.asText());
        }
        if (container.isArray()) {
            for (JsonNode e : container) {
                if (equal(e, item)) {
                    return true;
                }
            }
            return false;
        }
        if (container.isObject()) {
            return item != null && item.isTextual() && container.has(item.asText());
        }
        return false;
    }

    static boolean isNone(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode();
    }

    /** Python's {@code str()} of the value. */
    static String str(JsonNode n) {
        if (isNone(n)) {
            return "None";
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isBoolean()) {
            return n.asBoolean() ? "True" : "False";
        }
        return n.isValueNode() ? n.asText() : n.toString();
    }

    /** {@code rules["expected"]} with an error naming the metric when the rule lacks it. */
    static JsonNode expectedOf(JsonNode rules, String metric) {
        if (rules == null || !rules.isObject() || !rules.has("expected")) {
            throw new IllegalArgumentException(metric + " needs an expected rule {\"expected\": ...} (a 'rule' getter)");
        }
        return rules.get("expected");
    }
}
