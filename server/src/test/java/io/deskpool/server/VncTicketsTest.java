package io.deskpool.server;

import io.deskpool.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class VncTicketsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final VncTickets tickets = new VncTickets(clock);

    private static ViewGrant grant(String vmId) {
        return ViewGrant.ofLease(vmId, "lease-1", "a-token", "tok-abc");
    }

    @Test
    void a_ticket_is_redeemed_once_for_its_vm() {
        String t = tickets.issue(grant("vm-1"));

        assertThat(tickets.redeem(t, "vm-1")).hasValue(grant("vm-1"));
        assertThat(tickets.redeem(t, "vm-1")).isEmpty();
    }

    @Test
    void a_grant_never_shows_its_token() {
        assertThat(grant("vm-1").toString()).contains("lease-1", "tok-abc").doesNotContain("a-token");
    }

    @Test
    void a_ticket_expires_after_its_lifetime() {
        String t = tickets.issue(grant("vm-1"));

        clock.advance(VncTickets.LIFETIME);

        assertThat(tickets.redeem(t, "vm-1")).isEmpty();
    }

    @Test
    void a_ticket_for_another_vm_is_refused() {
        assertThat(tickets.redeem(tickets.issue(grant("vm-1")), "vm-2")).isEmpty();
    }

    @Test
    void tickets_are_unguessable_and_distinct() {
        assertThat(tickets.issue(grant("vm-1"))).isNotEqualTo(tickets.issue(grant("vm-1"))).hasSize(32);
    }
}
