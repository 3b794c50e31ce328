package io.deskpool.core.spi;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * What to fork: the running VM to copy, the ids the copies get (one per copy, in order), labels put on every
 * copy next to the provider's ownership labels (the token the copies are leased to), and how long the copies
 * may take to answer their readiness probes.
 */
public record ForkRequest(VmHandle parent, List<String> childIds, Map<String, String> labels, Duration readyTimeout) {
    public ForkRequest {
        requireNonNull(parent, "parent is null");
        childIds = List.copyOf(childIds);
        labels = Map.copyOf(labels);
        requireNonNull(readyTimeout, "readyTimeout is null");
        if (childIds.isEmpty()) {
            throw new IllegalArgumentException("a fork makes at least one copy");
        }
        if (new HashSet<>(childIds).size() != childIds.size()) {
            throw new IllegalArgumentException("child ids must be distinct, got " + childIds);
        }
        if (childIds.contains(parent.id())) {
            throw new IllegalArgumentException("a child cannot take the parent's id " + parent.id());
        }
        if (readyTimeout.isNegative() || readyTimeout.isZero()) {
            throw new IllegalArgumentException("readyTimeout must be positive, got " + readyTimeout);
        }
    }

    public int count() {
        return childIds.size();
    }
}
