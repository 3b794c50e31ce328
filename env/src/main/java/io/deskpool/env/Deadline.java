package io.deskpool.env;

import java.time.Duration;

/** A point in time an env call must finish by, measured on the monotonic clock. */
record Deadline(long endNanos, Duration budget) {
    static Deadline after(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos(), budget);
    }

    Duration remaining() {
        return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
    }

    boolean expired() {
        return endNanos - System.nanoTime() <= 0;
    }

    /** The shorter of {@code d} and the time left, at least one millisecond (HTTP timeouts must be positive). */
    Duration cap(Duration d) {
        Duration left = remaining();
        Duration shorter = d.compareTo(left) < 0 ? d : left;
        return shorter.isZero() ? Duration.ofMillis(1) : shorter;
    }

    /** Sleeps {@code d} or until the deadline, whichever comes first; false when the deadline cut it short. */
    boolean sleep(Duration d) {
        Duration left = remaining();
        boolean full = d.compareTo(left) <= 0;
        try {
            Thread.sleep((full ? d : left).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return full;
    }
}
