package io.deskpool.env.spi;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A metric of OSWorld's evaluator ({@code evaluator.func}): compares what a result getter fetched with what an
 * expected getter fetched and scores it, 0.0 to 1.0. Implementations are found with {@link java.util.ServiceLoader}
 * (list them in {@code META-INF/services/io.deskpool.env.spi.Metric}); the built-ins are registered the
 * same way. They must be stateless and thread-safe: sessions evaluate in parallel.
 *
 * <p>Values are JSON: text (command output, a fetched file's local path), objects (a {@code rule}), arrays
 * (several files), or {@code null} (a file that was not there, which OSWorld metrics score 0). A value naming a
 * file is only a name: the task or the VM may have put any path there, so a metric opens files through
 * {@link EvalFiles} and nothing else (Deskpool cannot stop code on its class path from calling {@code Files} itself).
 *
 * <p>A metric runs on a thread of its own under ENV_METRIC_TIMEOUT; past it the evaluation fails and the thread is
 * interrupted and abandoned, so a metric should end on interruption and never loop on unbounded input.
 */
public interface Metric {
    /** The name tasks use in {@code evaluator.func}, e.g. {@code exact_match}. */
    String name();

    /**
     * @param result   what the result getter returned ({@code NullNode} when it found nothing)
     * @param expected what the expected getter returned, or Java {@code null} when the task has no expected
     *                 getter for this metric (OSWorld then calls the metric without it)
     * @param options  {@code evaluator.options} for this metric (an empty object when absent)
     * @param files    the evaluation's files: the only way to read a file a value names
     * @throws Exception for inputs the metric cannot judge; the evaluation fails with that message
     *                   ({@link EvalFiles.Refused} from {@code files} is a 403 that says so)
     */
    double score(JsonNode result, JsonNode expected, JsonNode options, EvalFiles files) throws Exception;
}
