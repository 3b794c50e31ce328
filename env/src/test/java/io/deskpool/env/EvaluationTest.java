package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.env.builtin.CheckIncludeExclude;
import io.deskpool.env.builtin.ExactMatch;
import io.deskpool.env.builtin.Infeasible;
import io.deskpool.env.builtin.Rule;
import io.deskpool.env.builtin.VmFile;
import io.deskpool.env.eval.Evaluation;
import io.deskpool.env.eval.EvaluatorSpec;
import io.deskpool.env.eval.Evaluators;
import io.deskpool.env.eval.MetricThreads;
import io.deskpool.env.spi.EvalContext;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.Getter;
import io.deskpool.env.spi.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** OSWorld's evaluate() semantics, with getters that stand in for the VM (named as such) and real metrics. */
class EvaluationTest {
    @TempDir
    Path work;

    /**
     * Test double for a VM getter: gives its config's {@code value}, a missing file for {@code missing}, or fails
     * as a buggy getter would for {@code broken}.
     */
    private static final class StandInGetter implements Getter {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String type() {
            return "stand_in";
        }

        @Override
        public JsonNode get(JsonNode config, EvalContext context) throws FileNotFoundException {
            calls.incrementAndGet();
            if (config.path("missing").asBoolean(false)) {
                throw new FileNotFoundException("/home/user/out.txt");
            }
            if (config.path("broken").asBoolean(false)) {
                throw new NullPointerException();
            }
            return config.path("value");
        }
    }

    /** A metric that scores what its options say, to drive conj logic. */
    private static final class FixedScore implements Metric {
        @Override
        public String name() {
            return "fixed_score";
        }

        @Override
        public double score(JsonNode result, JsonNode expected, JsonNode options, EvalFiles files) {
            return options.path("score").asDouble();
        }
    }

    private static final MetricThreads THREADS = new MetricThreads(Duration.ofSeconds(10), 4);

    private final StandInGetter standIn = new StandInGetter();
    private final Evaluators evaluators = new Evaluators(
            List.of(new ExactMatch(), new CheckIncludeExclude(), new Infeasible(), new FixedScore()),
            List.of(standIn, new Rule()));
    private final Evaluation evaluation = new Evaluation(evaluators, Optional.empty(), THREADS, 1024 * 1024);

    private EvalContext ctx() {
        return new OfflineEvalContext(work);
    }

    private Evaluation.Outcome score(String evaluator, String lastAction) throws Exception {
        EvaluatorSpec spec = EvaluatorSpec.parse(EnvJson.MAPPER.readTree(evaluator));
        return evaluation.score(spec, evaluation.plan(spec), lastAction, ctx(), Function.identity(), () -> Duration.ofSeconds(10));
    }

    @Test
    void a_single_metric_compares_result_and_expected() throws Exception {
        String task = """
                {"func": "exact_match", "result": {"type": "stand_in", "value": "%s"},
                 "expected": {"type": "rule", "rules": {"expected": "hello"}}}""";

        assertThat(score(task.formatted("hello"), "").score()).isEqualTo(1.0);
        assertThat(score(task.formatted("bye"), "").score()).isEqualTo(0.0);
    }

    @Test
    void and_stops_at_the_first_zero_and_otherwise_averages() throws Exception {
        Evaluation.Outcome zero = score("""
                {"func": ["fixed_score", "fixed_score", "fixed_score"], "conj": "and",
                 "result": [{"type": "stand_in"}, {"type": "stand_in"}, {"type": "stand_in"}],
                 "options": [{"score": 1}, {"score": 0}, {"score": 1}]}""", "");
        Evaluation.Outcome mean = score("""
                {"func": ["fixed_score", "fixed_score"],
                 "result": [{"type": "stand_in"}, {"type": "stand_in"}],
                 "options": [{"score": 1}, {"score": 0.5}]}""", "");

        assertThat(zero.score()).isEqualTo(0.0);
        assertThat(zero.metrics()).hasSize(2);
        assertThat(mean.score()).isEqualTo(0.75);
    }

    @Test
    void or_stops_at_the_first_one_and_otherwise_takes_the_max() throws Exception {
        Evaluation.Outcome one = score("""
                {"func": ["fixed_score", "fixed_score", "fixed_score"], "conj": "or",
                 "result": [{"type": "stand_in"}, {"type": "stand_in"}, {"type": "stand_in"}],
                 "options": [{"score": 0.2}, {"score": 1}, {"score": 0.9}]}""", "");
        Evaluation.Outcome max = score("""
                {"func": ["fixed_score", "fixed_score"], "conj": "or",
                 "result": [{"type": "stand_in"}, {"type": "stand_in"}],
                 "options": [{"score": 0.2}, {"score": 0.6}]}""", "");

        assertThat(one.score()).isEqualTo(1.0);
        assertThat(one.metrics()).hasSize(2);
        assertThat(max.score()).isEqualTo(0.6);
    }

    @Test
    void a_last_action_fail_scores_zero_without_running_getters() throws Exception {
        Evaluation.Outcome o = score("""
                {"func": "exact_match", "result": {"type": "stand_in", "value": "x"},
                 "expected": {"type": "rule", "rules": {"expected": "x"}}}""", "FAIL");

        assertThat(o.score()).isEqualTo(0.0);
        assertThat(o.decidedBy()).contains("FAIL");
        assertThat(standIn.calls).hasValue(0);
    }

    @Test
    void infeasible_scores_one_only_when_the_last_action_was_fail() throws Exception {
        assertThat(score("{\"func\": \"infeasible\"}", "FAIL").score()).isEqualTo(1.0);
        assertThat(score("{\"func\": \"infeasible\"}", "DONE").score()).isEqualTo(0.0);
        assertThat(score("{\"func\": \"infeasible\"}", "").score()).isEqualTo(0.0);
    }

    @Test
    void a_missing_result_file_scores_zero_under_and() throws Exception {
        Evaluation.Outcome o = score("""
                {"func": ["fixed_score", "fixed_score"],
                 "result": [{"type": "stand_in", "missing": true}, {"type": "stand_in"}],
                 "options": [{"score": 1}, {"score": 1}]}""", "");

        assertThat(o.score()).isEqualTo(0.0);
        assertThat(o.decidedBy()).contains("result file not found");
    }

    @Test
    void null_entries_in_lists_mean_no_expected_and_no_options() throws Exception {
        Evaluation.Outcome o = score("""
                {"func": ["check_include_exclude", "fixed_score"],
                 "result": [{"type": "stand_in", "value": "abc"}, {"type": "stand_in"}],
                 "expected": [{"type": "rule", "rules": {"include": ["b"], "exclude": ["z"]}}, null],
                 "options": [null, {"score": 1}]}""", "");

        assertThat(o.score()).isEqualTo(1.0);
    }

    @Test
    void an_unsupported_metric_is_an_error_naming_it_not_a_zero() throws Exception {
        EvaluatorSpec spec = EvaluatorSpec.parse(EnvJson.MAPPER.readTree("""
                {"func": "compare_pptx_files", "result": {"type": "vm_file", "path": "/a", "dest": "a"}}"""));

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class, () -> evaluation.plan(spec));

        assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED);
        assertThat(e.getMessage()).contains("metric 'compare_pptx_files'", "getter 'vm_file'", "EXTERNAL_EVALUATOR");
        assertThat(e.details()).containsEntry("reason", "unsupported_metric");
    }

    @Test
    void malformed_evaluators_are_refused() {
        assertThat(catchThrowableOfType(DeskpoolException.class, () -> EvaluatorSpec.parse(EnvJson.MAPPER.readTree(
                "{\"func\": [\"exact_match\", \"exact_match\"], \"result\": [{\"type\": \"rule\"}]}"))).getMessage())
                .contains("evaluator.result must be a list of 2");
        assertThat(catchThrowableOfType(DeskpoolException.class, () -> EvaluatorSpec.parse(EnvJson.MAPPER.readTree(
                "{\"func\": \"exact_match\", \"conj\": \"xor\"}"))).getMessage()).contains("conj");
        assertThat(catchThrowableOfType(DeskpoolException.class, () -> EvaluatorSpec.parse(EnvJson.MAPPER.readTree(
                "{\"result\": {\"type\": \"rule\"}}"))).getMessage()).contains("evaluator.func");
    }

    @Test
    void the_built_ins_are_found_by_service_loader() {
        Evaluators loaded = Evaluators.load();

        assertThat(loaded.metricNames()).contains("exact_match", "check_include_exclude", "infeasible",
                "compare_text_file", "compare_file_hash");
        assertThat(loaded.getterTypes()).contains("vm_command_line", "vm_file", "rule", "cloud_file");
    }

    @Test
    void a_plugin_on_the_class_path_is_found_next_to_the_built_ins() throws Exception {
        Evaluators loaded = Evaluators.load();
        Evaluation withPlugins = new Evaluation(loaded, Optional.empty(), THREADS, 1024 * 1024);
        EvaluatorSpec spec = EvaluatorSpec.parse(EnvJson.MAPPER.readTree(
                "{\"func\": \"test_plugin_non_empty\", \"result\": {\"type\": \"rule\", \"rules\": \"something\"}}"));

        assertThat(loaded.metricNames()).contains("test_plugin_non_empty", "exact_match");
        assertThat(withPlugins.score(spec, withPlugins.plan(spec), "", ctx(), Function.identity(), () -> Duration.ofSeconds(5))
                .score()).isEqualTo(1.0);
    }

    @Test
    void two_plugins_with_one_name_are_refused() {
        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> new Evaluators(List.of(new ExactMatch(), new ExactMatch()), List.of()));

        assertThat(e.getMessage()).contains("two metrics are named 'exact_match'");
    }

    @Test
    void a_file_getter_whose_dest_leaves_the_evaluation_directory_is_a_400() throws Exception {
        Evaluators withVmFile = new Evaluators(List.of(new ExactMatch()), List.of(new VmFile(), new Rule()));
        Evaluation eval = new Evaluation(withVmFile, Optional.empty(), THREADS, 1024 * 1024);
        EvaluatorSpec spec = EvaluatorSpec.parse(EnvJson.MAPPER.readTree("""
                {"func": "exact_match", "result": {"type": "vm_file", "path": "/home/user/a.txt", "dest": "../../x"},
                 "expected": {"type": "rule", "rules": {"expected": "a"}}}"""));

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> eval.score(spec, eval.plan(spec), "", ctx(), Function.identity(), () -> Duration.ofSeconds(5)));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(e.getMessage()).contains("'dest' must be a plain file name");
    }

    @Test
    void a_metric_that_answers_nan_is_a_metric_invalid_score_naming_it_never_a_score() throws Exception {
        DeskpoolException e = catchThrowableOfType(DeskpoolException.class, () -> score("""
                {"func": "fixed_score", "options": {"score": "NaN"}}""", ""));

        assertThat(EnvFailure.METRIC_INVALID_SCORE.is(e)).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).contains("fixed_score", "NaN");
        assertThat(e.details()).containsEntry("func", "fixed_score");
    }

    @Test
    void a_getter_that_fails_with_an_unchecked_exception_is_a_getter_failed_naming_it() throws Exception {
        DeskpoolException e = catchThrowableOfType(DeskpoolException.class, () -> score("""
                {"func": "exact_match", "result": {"type": "stand_in", "broken": true},
                 "expected": {"type": "rule", "rules": {"expected": "hello"}}}""", ""));

        assertThat(EnvFailure.GETTER_FAILED.is(e)).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.PROVIDER_ERROR);
        assertThat(e.getMessage()).contains("stand_in", "NullPointerException");
        assertThat(e.details()).containsEntry("getter", "stand_in");
    }
}
