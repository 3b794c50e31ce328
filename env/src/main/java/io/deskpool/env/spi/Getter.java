package io.deskpool.env.spi;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A getter of OSWorld's evaluator ({@code evaluator.result} / {@code evaluator.expected}, type {@code X} for
 * OSWorld's {@code get_X}): fetches a value from the VM, the task or elsewhere. Found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.deskpool.env.spi.Getter}); stateless and
 * thread-safe.
 */
public interface Getter {
    /** The {@code type} tasks use, e.g. {@code vm_file} for OSWorld's {@code get_vm_file}. */
    String type();

    /**
     * @param config the getter's JSON object from the task (including {@code type})
     * @return the value for the metric: text, an object, an array, or {@code NullNode} for "nothing there"
     * @throws java.io.FileNotFoundException when a file the result needs is missing: under {@code conj: and}
     *                                       the task then scores 0, as in OSWorld
     */
    JsonNode get(JsonNode config, EvalContext context) throws Exception;
}
