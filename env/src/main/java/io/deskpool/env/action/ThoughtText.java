package io.deskpool.env.action;

import java.util.Optional;

/** The {@code Thought: ...} part of a model's output: from the first {@code Thought:} to where the action begins. */
final class ThoughtText {
    private static final String MARKER = "Thought:";

    private ThoughtText() {
    }

    /**
     * @param ends where the thought stops, whichever comes first after it (e.g. {@code Action:}); else the end
     * @return the thought, stripped; empty when there is no {@code Thought:} or nothing after it
     */
    static Optional<String> find(String text, String... ends) {
        int marker = text.indexOf(MARKER);
        if (marker < 0) {
            return Optional.empty();
        }
        int start = marker + MARKER.length();
        int end = text.length();
        for (String stop : ends) {
            int at = text.indexOf(stop, start);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        String thought = text.substring(start, end).strip();
        return thought.isEmpty() ? Optional.empty() : Optional.of(thought);
    }
}
