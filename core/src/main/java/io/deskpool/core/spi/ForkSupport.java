package io.deskpool.core.spi;

import static java.util.Objects.requireNonNull;

/**
 * Whether a provider can fork running VMs ({@link Provider#fork}), and if not, why and what it would take: the
 * reason an {@code UNSUPPORTED_BY_PROVIDER} error carries.
 */
public record ForkSupport(boolean supported, String reason) {
    public ForkSupport {
        requireNonNull(reason, "reason is null");
        if (reason.isBlank()) {
            throw new IllegalArgumentException("reason is blank");
        }
    }

    public static ForkSupport supported(String how) {
        return new ForkSupport(true, how);
    }

    public static ForkSupport unsupported(String why) {
        return new ForkSupport(false, why);
    }
}
