package io.deskpool.core.spi;

import static java.util.Objects.requireNonNull;

/**
 * What one health check of a VM saw. {@code GONE}: its process, container or instance no longer exists or has
 * ended, so it will never answer again. {@code UNRESPONSIVE}: it exists but did not answer within the time
 * allowed (frozen, hung, or its backend could not be asked). {@code detail} says what was seen, for logs and the
 * dashboard.
 */
public record VmHealth(Status status, String detail) {
    public enum Status {
        HEALTHY,
        UNRESPONSIVE,
        GONE
    }

    public VmHealth {
        requireNonNull(status, "status is null");
        requireNonNull(detail, "detail is null");
    }

    public static VmHealth healthy(String detail) {
        return new VmHealth(Status.HEALTHY, detail);
    }

    public static VmHealth unresponsive(String detail) {
        return new VmHealth(Status.UNRESPONSIVE, detail);
    }

    public static VmHealth gone(String detail) {
        return new VmHealth(Status.GONE, detail);
    }

    public boolean isHealthy() {
        return status == Status.HEALTHY;
    }
}
