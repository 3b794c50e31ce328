package io.deskpool.env;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** What the agent sees after a reset or step: the screenshot, and the accessibility tree when asked for. */
public record Observation(Screenshot screenshot, Optional<String> accessibilityTree) {
    public Observation {
        requireNonNull(screenshot, "screenshot is null");
        requireNonNull(accessibilityTree, "accessibilityTree is null");
    }
}
