package io.deskpool.env;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/** What one setup step did: where it sat in the task, its type, how long it took, and whether it worked. */
public record SetupReport(String where, String type, Duration took, boolean ok, String detail) {
    public SetupReport {
        requireNonNull(where, "where is null");
        requireNonNull(type, "type is null");
        requireNonNull(took, "took is null");
        requireNonNull(detail, "detail is null");
    }
}
