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
 * for one VM, within a short time. A ticket carries the {@link ViewGrant} it was issued for, so the WebSocket can
 * check again that the lease (or admin token) still allows the view.
 */
final class VncTickets {
    static final Duration LIFETIME = Duration.ofSeconds(30);
    private static final int MAX_OUTSTANDING = 1000;

    private record Ticket(ViewGrant grant, Instant expiresAt) {
        Ticket {
            requireNonNull(grant, "grant is null");
            requireNonNull(expiresAt, "expiresAt is null");
        }
    }

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Ticket> outstanding = new LinkedHashMap<>();

    VncTickets(Clock clock) {
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** A new ticket for the view {@code grant} allows. */
    synchronized String issue(ViewGrant grant) {
        requireNonNull(grant, "grant is null");
        dropExpired();
        if (outstanding.size() >= MAX_OUTSTANDING) {
            outstanding.remove(outstanding.keySet().iterator().next());
        }
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        outstanding.put(ticket, new Ticket(grant, clock.instant().plus(LIFETIME)));
        return ticket;
    }

    /**
     * The ticket's grant when it is valid for {@code vmId}; it can never be used again either way. The caller must
     * still check that the grant holds now (the lease may have ended since the ticket was issued).
     */
    synchronized Optional<ViewGrant> redeem(String ticket, String vmId) {
        if (ticket == null) {
            return Optional.empty();
        }
        Ticket t = outstanding.remove(ticket);
        if (t == null || !t.grant().vmId().equals(vmId) || !clock.instant().isBefore(t.expiresAt())) {
            return Optional.empty();
        }
        return Optional.of(t.grant());
    }

    private void dropExpired() {
        Instant now = clock.instant();
        outstanding.values().removeIf(t -> !now.isBefore(t.expiresAt()));
    }
}
