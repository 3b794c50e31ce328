package io.deskpool.env.spi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A model's output, parsed.
 *
 * @param thought the model's {@code Thought:} text, if any
 * @param actions the actions to run, in order
 * @param error   {@code ""} when parsed, else why not
 */
public record ParsedPrediction(Optional<String> thought, List<GuestAction> actions, String error) {
    public ParsedPrediction {
        Objects.requireNonNull(thought, "thought");
        actions = List.copyOf(actions);
        Objects.requireNonNull(error, "error");
    }

    /** True when there is at least one action and no error. */
    public boolean parsed() {
        return error.isEmpty() && !actions.isEmpty();
    }
}
