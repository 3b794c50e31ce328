package io.deskpool.server;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One-time passes for a VM's live view. A browser cannot put an Authorization header on a WebSocket, and a token
 * in its URL would end up in browser history and proxy logs; so the page asks for a ticket with its token (an
 * ordinary request, checked like the other VM routes) and opens the WebSocket with the ticket, which works once,
 * for one VM, within a short time.
 */
final class VncTickets {
    static final Duration LIFETIME = Duration.ofSeconds(30);
    private static final int MAX_OUTSTANDING = 1000;

    record Ticket(String vmId, String holder, Instant expiresAt) {
        Ticket {
            requireNonNull(vmId, "vmId is null");
            requireNonNull(holder, "holder is null");
            requireNonNull(expiresAt, "expiresAt is null");
        }
    }

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Ticket> outstanding = new LinkedHashMap<>();

    VncTickets(Clock clock) {
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** A new ticket for {@code vmId}; {@code holder} is how logs name its owner (never a token in clear). */
    synchronized String issue(String vmId, String holder) {
        dropExpired();
        if (outstanding.size() >= MAX_OUTSTANDING) {
            outstanding.remove(outstanding.keySet().iterator().next());
        }
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        outstanding.put(ticket, new Ticket(vmId, holder, clock.instant().plus(LIFETIME)));
        return ticket;
    }

    /** The ticket's grant when it is valid for {@code vmId}; it can never be used again either way. */
    synchronized Optional<Ticket> redeem(String ticket, String vmId) {
        if (ticket == null) {
            return Optional.empty();
        }
        Ticket t = outstanding.remove(ticket);
        if (t == null || !t.vmId().equals(vmId) || !clock.instant().isBefore(t.expiresAt())) {
            return Optional.empty();
        }
        return Optional.of(t);
    }

    private void dropExpired() {
        Instant now = clock.instant();
        outstanding.values().removeIf(t -> !now.isBefore(t.expiresAt()));
    }
}
