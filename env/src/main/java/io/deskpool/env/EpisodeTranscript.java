package io.deskpool.env;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * An episode as a chat: the instruction and first screenshot, then per step the model's prediction and the
 * screenshot after it (none once the episode ended). Screenshots are JPEG. Kept only for sessions that asked for
 * it (the ARPO/ENVS dialect re-sends the whole history every step).
 */
public record EpisodeTranscript(String instruction, Optional<byte[]> firstScreenshot, List<Turn> turns) {
    public static final EpisodeTranscript EMPTY = new EpisodeTranscript("", Optional.empty(), List.of());

    public EpisodeTranscript {
        requireNonNull(instruction, "instruction is null");
        requireNonNull(firstScreenshot, "firstScreenshot is null");
        turns = List.copyOf(turns);
    }

    /** One step: what the model said, and the JPEG screenshot that followed (empty when the episode ended). */
    public record Turn(String prediction, Optional<byte[]> screenshot) {
        public Turn {
            requireNonNull(prediction, "prediction is null");
            requireNonNull(screenshot, "screenshot is null");
        }
    }

    public boolean isEmpty() {
        return firstScreenshot.isEmpty() && turns.isEmpty();
    }

    EpisodeTranscript plus(Turn turn) {
        var all = new java.util.ArrayList<>(turns);
        all.add(turn);
        return new EpisodeTranscript(instruction, firstScreenshot, all);
    }
}
