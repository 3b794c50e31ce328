package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.env.builtin.Rule;
import io.deskpool.env.eval.Evaluation;
import io.deskpool.env.eval.EvaluatorSpec;
import io.deskpool.env.eval.Evaluators;
import io.deskpool.env.eval.MetricThreads;
import io.deskpool.env.spi.EvalContext;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Every metric runs under ENV_METRIC_TIMEOUT: a runaway one fails the evaluation and is stopped or abandoned. */
class MetricDeadlineTest {
    @TempDir
    Path work;

    /** A plugin that spins until interrupted, then says it stopped. */
    private static final class Spinning implements Metric {
        final CountDownLatch stopped = new CountDownLatch(1);

        @Override
        public String name() {
            return "spinning";
        }

        @Override
        public double score(JsonNode result, JsonNode expected, JsonNode options, EvalFiles files) {
            while (!Thread.currentThread().isInterrupted()) {
                Math.sqrt(System.nanoTime());
            }
            stopped.countDown();
            return 1;
        }
    }

    /** A plugin that ignores interruption: only the test's flag stops it. */
    private static final class Stubborn implements Metric {
        final AtomicBoolean release = new AtomicBoolean();
        final CountDownLatch running = new CountDownLatch(1);

        @Override
        public String name() {
            return "stubborn";
        }

        @Override
        public double score(JsonNode result, JsonNode expected, JsonNode options, EvalFiles files) {
            running.countDown();
            while (!release.get()) {
                Thread.interrupted();
                Thread.onSpinWait();
            }
            return 1;
        }
    }

    private final Spinning spinning = new Spinning();
    private final Stubborn stubborn = new Stubborn();
    private final MetricThreads threads = new MetricThreads(Duration.ofMillis(300), 1);
    private final Evaluation evaluation = new Evaluation(new Evaluators(List.of(spinning, stubborn), List.of(new Rule())),
            Optional.empty(), threads, 1024);

    private EvalContext ctx() {
        return new OfflineEvalContext(work);
    }

    private DeskpoolException fails(String func) {
        return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> catchThrowableOfType(DeskpoolException.class, () -> {
            EvaluatorSpec spec = EvaluatorSpec.parse(EnvJson.MAPPER.readTree(
                    "{\"func\": \"" + func + "\", \"result\": {\"type\": \"rule\", \"rules\": \"x\"}}"));
            evaluation.score(spec, evaluation.plan(spec), "", ctx(), Function.identity(), () -> Duration.ofSeconds(60));
        }));
    }

    @Test
    void a_metric_past_its_deadline_fails_the_evaluation_and_is_interrupted() throws Exception {
        DeskpoolException e = fails("spinning");

        assertThat(EnvFailure.METRIC_TIMED_OUT.is(e)).as(e.getMessage()).isTrue();
        assertThat(e.getMessage()).contains("metric 'spinning'").contains("ENV_METRIC_TIMEOUT");
        assertThat(spinning.stopped.await(10, TimeUnit.SECONDS)).as("the metric's thread was interrupted").isTrue();
    }

    @Test
    void a_metric_that_ignores_interruption_is_abandoned_and_holds_its_thread_only() throws Exception {
        try {
            DeskpoolException first = fails("stubborn");
            assertThat(EnvFailure.METRIC_TIMED_OUT.is(first)).as(first.getMessage()).isTrue();
            assertThat(threads.busy()).isEqualTo(1);

            DeskpoolException next = fails("spinning");

            assertThat(EnvFailure.EVALUATION_BUSY.is(next)).as(next.getMessage()).isTrue();
        } finally {
            stubborn.release.set(true);
        }
    }

    @Test
    void a_finished_call_frees_its_thread_for_the_next_call_at_once() throws Exception {
        for (int i = 0; i < 500; i++) {
            int n = i;
            assertThat(threads.call("call " + i, () -> n, Duration.ofSeconds(10))).isEqualTo(n);
        }
        assertThat(threads.busy()).isZero();
    }
}
