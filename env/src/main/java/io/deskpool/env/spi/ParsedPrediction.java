package io.deskpool.env.spi;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** thought: the model's "Thought:" text if any; actions in order; error: "" when parsed, else why not. */
public record ParsedPrediction(Optional<String> thought, List<GuestAction> actions, String error) {
    public ParsedPrediction {
        requireNonNull(thought, "thought is null");
        actions = List.copyOf(actions);
        requireNonNull(error, "error is null");
    }

    public boolean parsed() {
        return error.isEmpty() && !actions.isEmpty();
    }
}
