package io.deskpool.env.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.deskpool.core.DeskpoolException;
import io.deskpool.env.EnvFailure;

import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A task's {@code evaluator} as OSWorld's DesktopEnv reads it: one metric ({@code func} a string, with
 * {@code result}, {@code expected}, {@code options} objects) or several ({@code func} a list, the others lists
 * of the same length, {@code null} entries allowed), combined by {@code conj} ("and" = 0 at the first 0, else
 * the mean; "or" = 1 at the first 1, else the max). {@code postconfig} steps run before the getters.
 */
public record EvaluatorSpec(List<MetricCall> calls, boolean listForm, boolean conjAnd, JsonNode postconfig, JsonNode raw) {
    public static final String INFEASIBLE = "infeasible";

    /** One metric with its getters' configs ({@code null} when the task has none) and options. */
    public record MetricCall(int index, String where, String func, JsonNode result, JsonNode expected, JsonNode options) {
        public MetricCall {
            requireNonNull(where, "where is null");
            requireNonNull(func, "func is null");
            requireNonNull(options, "options is null");
        }
    }

    public EvaluatorSpec {
        calls = List.copyOf(calls);
        requireNonNull(postconfig, "postconfig is null");
        requireNonNull(raw, "raw is null");
    }

    /** Whether this is OSWorld's special {@code func: "infeasible"}: 1 when the last action was FAIL. */
    public boolean infeasible() {
        return !listForm && calls.get(0).func().equals(INFEASIBLE);
    }

    public static EvaluatorSpec parse(JsonNode e) {
        if (!e.isObject()) {
            throw bad("evaluator must be an object");
        }
        JsonNode func = e.path("func");
        String conj = e.path("conj").isMissingNode() || e.path("conj").isNull() ? "and" : e.path("conj").asText("");
        if (!conj.equals("and") && !conj.equals("or")) {
            throw bad("evaluator.conj must be \"and\" or \"or\", got " + e.path("conj"));
        }
        JsonNode post = e.path("postconfig").isMissingNode() || e.path("postconfig").isNull()
                ? JsonNodeFactory.instance.arrayNode() : e.path("postconfig");
        List<MetricCall> calls = new ArrayList<>();
        if (func.isTextual()) {
            calls.add(new MetricCall(0, "evaluator", name(func, "evaluator.func"),
                    getter(single(e, "result"), "evaluator.result"),
                    getter(emptyAsNull(single(e, "expected")), "evaluator.expected"),
                    options(single(e, "options"), "evaluator.options")));
            return new EvaluatorSpec(calls, false, conj.equals("and"), post, e);
        }
        if (!func.isArray() || func.isEmpty()) {
            throw bad("evaluator.func must be a metric name or a non-empty list of them");
        }
        int n = func.size();
        JsonNode results = list(e, "result", n);
        JsonNode expecteds = list(e, "expected", n);
        JsonNode options = list(e, "options", n);
        for (int i = 0; i < n; i++) {
            calls.add(new MetricCall(i, "evaluator.func[" + i + "]", name(func.get(i), "evaluator.func[" + i + "]"),
                    results == null ? null : getter(results.get(i), "evaluator.result[" + i + "]"),
                    expecteds == null ? null : getter(emptyAsNull(expecteds.get(i)), "evaluator.expected[" + i + "]"),
                    options == null ? JsonNodeFactory.instance.objectNode() : options(options.get(i), "evaluator.options[" + i + "]")));
        }
        return new EvaluatorSpec(calls, true, conj.equals("and"), post, e);
    }

    private static String name(JsonNode n, String where) {
        if (!n.isTextual() || n.asText().isBlank()) {
            throw bad(where + " must be a metric name");
        }
        return n.asText();
    }

    private static JsonNode single(JsonNode e, String field) {
        JsonNode v = e.path(field);
        if (v.isArray()) {
            throw bad("evaluator." + field + " must be an object when func is a single metric, not a list");
        }
        return v.isMissingNode() || v.isNull() ? null : v;
    }

    /** OSWorld ignores an empty {@code expected} ({@code len(...) > 0}). */
    private static JsonNode emptyAsNull(JsonNode v) {
        return v == null || v.isNull() || (v.isContainerNode() && v.isEmpty()) ? null : v;
    }

    private static JsonNode list(JsonNode e, String field, int n) {
        JsonNode v = e.path(field);
        if (v.isMissingNode() || v.isNull() || (v.isArray() && v.isEmpty() && !field.equals("result"))) {
            return null;
        }
        if (!v.isArray() || v.size() != n) {
            throw bad("evaluator." + field + " must be a list of " + n + " entries (one per func; null where unused)");
        }
        return v;
    }

    private static JsonNode getter(JsonNode g, String where) {
        if (g == null || g.isNull()) {
            return null;
        }
        if (!g.isObject() || !g.path("type").isTextual() || g.path("type").asText().isBlank()) {
            throw bad(where + " must be an object with a 'type'");
        }
        return g;
    }

    private static JsonNode options(JsonNode o, String where) {
        if (o == null || o.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!o.isObject()) {
            throw bad(where + " must be an object");
        }
        return o;
    }

    static DeskpoolException bad(String message) {
        return EnvFailure.INVALID_EVALUATOR.exception(message);
    }
}
