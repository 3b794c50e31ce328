package io.deskpool.env.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.env.EnvFailure;
import io.deskpool.env.spi.EvalContext;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.Getter;
import io.deskpool.env.spi.Metric;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Scores a task the way OSWorld's {@code DesktopEnv.evaluate()} does, after postconfig has run:
 * <ul>
 *   <li>{@code func: "infeasible"}: 1 when the last action was {@code FAIL}, else 0;</li>
 *   <li>otherwise a last action {@code FAIL} scores 0;</li>
 *   <li>each metric gets {@code metric(result, expected, options)}; a result getter that finds its file missing
 *       scores the task 0 under "and";</li>
 *   <li>"and": 0 at the first metric that gives 0, else the mean; "or": 1 at the first 1, else the max.</li>
 * </ul>
 * A metric or getter this server lacks goes to the external evaluator when one is configured, and is otherwise
 * an {@code unsupported} error, found by {@link #plan} before anything runs: never a silent 0.
 *
 * <p>Getters and metrics run through {@link MetricThreads} (a deadline each); metrics read files only through
 * {@link EvalFiles} over the evaluation's directory, at most {@code maxFileBytes} a file.
 */
public final class Evaluation {
    private final Evaluators evaluators;
    private final Optional<ExternalEvaluator> external;
    private final MetricThreads threads;
    private final long maxFileBytes;

    public Evaluation(Evaluators evaluators, Optional<ExternalEvaluator> external, MetricThreads threads, long maxFileBytes) {
        this.evaluators = requireNonNull(evaluators, "evaluators is null");
        this.external = requireNonNull(external, "external is null");
        this.threads = requireNonNull(threads, "threads is null");
        this.maxFileBytes = maxFileBytes;
    }

    /** How each metric of a spec will be scored; fails with {@code UNSUPPORTED} naming what is missing. */
    public List<Route> plan(EvaluatorSpec spec) {
        List<Route> routes = new ArrayList<>();
        for (EvaluatorSpec.MetricCall call : spec.calls()) {
            if (call.func().equals(EvaluatorSpec.INFEASIBLE) && spec.listForm()) {
                throw EvaluatorSpec.bad(call.where() + ": 'infeasible' must be the evaluator's only func");
            }
            List<String> missing = new ArrayList<>();
            Optional<Metric> metric = evaluators.metric(call.func());
            if (metric.isEmpty()) {
                missing.add("metric '" + call.func() + "'");
            }
            if (!call.func().equals(EvaluatorSpec.INFEASIBLE)) {
                for (JsonNode g : new JsonNode[]{call.result(), call.expected()}) {
                    if (g != null && evaluators.getter(g.path("type").asText()).isEmpty()) {
                        missing.add("getter '" + g.path("type").asText() + "'");
                    }
                }
            }
            if (missing.isEmpty()) {
                routes.add(new Route(call, metric.get(), "builtin"));
            } else if (external.isPresent()) {
                routes.add(new Route(call, null, "external"));
            } else {
                throw EnvFailure.UNSUPPORTED_METRIC.exception(call.where() + " needs " + String.join(" and ", missing)
                        + ", which this server does not have (built-in metrics: " + String.join(", ", evaluators.metricNames())
                        + "; getters: " + String.join(", ", evaluators.getterTypes())
                        + "). Add a plugin jar or set EXTERNAL_EVALUATOR.",
                        Map.of("func", call.func()), null);
            }
        }
        return List.copyOf(routes);
    }

    /** How one metric is scored: by a {@link Metric} here, or by the external evaluator. */
    public record Route(EvaluatorSpec.MetricCall call, Metric metric, String by) {
    }

    /** One metric's score and who gave it. */
    public record MetricScore(int index, String func, double score, String by) {
    }

    /**
     * The outcome: the task's score, the metrics that ran (OSWorld stops early under "and"/"or") and why, when
     * the score was decided without metrics.
     */
    public record Outcome(double score, List<MetricScore> metrics, String decidedBy) {
        public Outcome {
            metrics = List.copyOf(metrics);
        }
    }

    /**
     * Scores the planned metrics. {@code lastAction} is the episode's last action ("" when none).
     * {@code externalRequest} adds the session's facts (VM endpoints, task id) to an external evaluator request.
     */
    public Outcome score(EvaluatorSpec spec, List<Route> routes, String lastAction, EvalContext ctx,
                         Function<ObjectNode, ObjectNode> externalRequest, Supplier<Duration> timeLeft) {
        boolean failed = "FAIL".equals(lastAction);
        EvalFiles files;
        try {
            files = new EvaluationFiles(ctx.workDir(), maxFileBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("the evaluation's directory: " + e.getMessage(), e);
        }
        if (spec.infeasible()) {
            Route r = routes.get(0);
            double s = callMetric(r, JsonNodeFactory.instance.textNode(lastAction), null, files, timeLeft);
            return new Outcome(s, List.of(new MetricScore(0, r.call().func(), s, r.by())), "infeasible");
        }
        if (failed) {
            return new Outcome(0, List.of(), "last action was FAIL");
        }
        List<MetricScore> scores = new ArrayList<>();
        for (Route r : routes) {
            EvaluatorSpec.MetricCall call = r.call();
            double s;
            if (r.metric() == null) {
                s = runExternal(spec, r, lastAction, ctx, externalRequest, timeLeft);
            } else {
                JsonNode result;
                try {
                    result = call.result() == null ? NullNode.getInstance()
                            : fetch(call.result(), ctx, call.where() + " result", timeLeft);
                } catch (FileNotFoundException e) {
                    if (spec.conjAnd()) {
                        return new Outcome(0, scores, call.where() + ": result file not found (" + e.getMessage() + ")");
                    }
                    result = NullNode.getInstance();
                }
                JsonNode expected = call.expected() == null ? null : fetchExpected(call, ctx, timeLeft);
                s = callMetric(r, result, expected, files, timeLeft);
            }
            scores.add(new MetricScore(call.index(), call.func(), s, r.by()));
            if (spec.conjAnd() && s == 0.0) {
                return new Outcome(0, scores, call.where() + " scored 0");
            }
            if (!spec.conjAnd() && s == 1.0) {
                return new Outcome(1, scores, call.where() + " scored 1");
            }
        }
        double total = spec.conjAnd()
                ? scores.stream().mapToDouble(MetricScore::score).average().orElse(0)
                : scores.stream().mapToDouble(MetricScore::score).max().orElse(0);
        return new Outcome(total, scores, spec.conjAnd() ? "mean of the metrics" : "max of the metrics");
    }

    private JsonNode fetchExpected(EvaluatorSpec.MetricCall call, EvalContext ctx, Supplier<Duration> timeLeft) {
        try {
            return fetch(call.expected(), ctx, call.where() + " expected", timeLeft);
        } catch (FileNotFoundException e) {
            throw EnvFailure.EXPECTED_MISSING.exception(call.where() + ": the expected getter found no file: "
                    + e.getMessage(), e);
        }
    }

    private JsonNode fetch(JsonNode config, EvalContext ctx, String what, Supplier<Duration> timeLeft)
            throws FileNotFoundException {
        Getter g = evaluators.getter(config.path("type").asText()).orElseThrow();
        try {
            JsonNode v = threads.call(what + " (getter '" + g.type() + "')", () -> g.get(config, ctx), timeLeft.get());
            return v == null ? NullNode.getInstance() : v;
        } catch (IllegalArgumentException e) {
            // A getter refusing its config (a 'dest' like ../../x) is bad input, not a server failure.
            throw EnvFailure.GETTER_CONFIG.exception(what + " (getter '" + g.type() + "'): " + e.getMessage(), e);
        } catch (FileNotFoundException | DeskpoolException e) {
            throw e;
        } catch (Exception e) {
            // Any other exception, unchecked ones (a getter's NullPointerException) included, is the getter failing.
            throw EnvFailure.GETTER_FAILED.exception(what + " (getter '" + g.type() + "') failed: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), Map.of("getter", g.type()), e);
        }
    }

    private double callMetric(Route r, JsonNode result, JsonNode expected, EvalFiles files, Supplier<Duration> timeLeft) {
        double s;
        try {
            s = threads.call(r.call().where() + ": metric '" + r.call().func() + "'",
                    () -> r.metric().score(result, expected, r.call().options(), files), timeLeft.get());
        } catch (DeskpoolException e) {
            throw e;
        } catch (EvalFiles.Refused e) {
            throw EnvFailure.FILE_REFUSED.exception(r.call().where() + ": metric '" + r.call().func() + "': "
                    + e.getMessage(), Map.of("func", r.call().func()), e);
        } catch (Exception e) {
            throw EnvFailure.METRIC_FAILED.exception(r.call().where() + ": metric '" + r.call().func()
                    + "' could not score its input: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
                    Map.of("func", r.call().func()), e);
        }
        if (!Double.isFinite(s)) {
            throw EnvFailure.METRIC_INVALID_SCORE.exception(r.call().where() + ": metric '" + r.call().func() + "' returned "
                    + s + ", not a score", Map.of("func", r.call().func()), null);
        }
        return s;
    }

    private double runExternal(EvaluatorSpec spec, Route r, String lastAction, EvalContext ctx,
                               Function<ObjectNode, ObjectNode> externalRequest, Supplier<Duration> timeLeft) {
        EvaluatorSpec.MetricCall call = r.call();
        ObjectNode req = JsonNodeFactory.instance.objectNode();
        req.set("evaluator", spec.raw());
        req.put("index", call.index());
        req.put("func", call.func());
        req.set("options", call.options());
        req.put("last_action", lastAction);
        req.put("artefact_dir", ctx.workDir().toString());
        var unfetched = req.putArray("unfetched");
        for (String side : new String[]{"result", "expected"}) {
            JsonNode config = side.equals("result") ? call.result() : call.expected();
            req.set(side + "_spec", config == null ? NullNode.getInstance() : config);
            if (config == null) {
                req.set(side, NullNode.getInstance());
            } else if (evaluators.getter(config.path("type").asText()).isPresent()) {
                try {
                    req.set(side, fetch(config, ctx, call.where() + " " + side, timeLeft));
                } catch (FileNotFoundException e) {
                    req.set(side, NullNode.getInstance());
                }
            } else {
                req.set(side, NullNode.getInstance());
                unfetched.add(side);
            }
        }
        return external.orElseThrow().score(externalRequest.apply(req), ctx.workDir(), timeLeft.get());
    }
}
