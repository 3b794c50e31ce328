package io.deskpool.env.spi;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A metric of OSWorld's evaluator ({@code evaluator.func}): compares what a result getter fetched with what an
 * expected getter fetched and scores it, 0.0 to 1.0. Implementations are found with {@link java.util.ServiceLoader}
 * (list them in {@code META-INF/services/io.deskpool.env.spi.Metric}); the built-ins are registered the
 * same way. They must be stateless and thread-safe: sessions evaluate in parallel.
 *
 * <p>Values are JSON: text (command output, a fetched file's local path), objects (a {@code rule}), arrays
 * (several files), or {@code null} (a file that was not there, which OSWorld metrics score 0).
 */
public interface Metric {
    /** The name tasks use in {@code evaluator.func}, e.g. {@code exact_match}. */
    String name();

    /**
     * @param result   what the result getter returned ({@code NullNode} when it found nothing)
     * @param expected what the expected getter returned, or Java {@code null} when the task has no expected
     *                 getter for this metric (OSWorld then calls the metric without it)
     * @param options  {@code evaluator.options} for this metric (an empty object when absent)
     * @throws Exception for inputs the metric cannot judge; the evaluation fails with that message
     */
    double score(JsonNode result, JsonNode expected, JsonNode options) throws Exception;
}
