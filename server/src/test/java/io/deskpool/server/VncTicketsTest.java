package io.deskpool.server;

import io.deskpool.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class VncTicketsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final VncTickets tickets = new VncTickets(clock);

    @Test
    void a_ticket_is_redeemed_once_for_its_vm() {
        String t = tickets.issue("vm-1", "tok-abc");

        assertThat(tickets.redeem(t, "vm-1")).hasValueSatisfying(g -> assertThat(g.holder()).isEqualTo("tok-abc"));
        assertThat(tickets.redeem(t, "vm-1")).isEmpty();
    }

    @Test
    void a_ticket_expires_after_its_lifetime() {
        String t = tickets.issue("vm-1", "tok-abc");

        clock.advance(VncTickets.LIFETIME);

        assertThat(tickets.redeem(t, "vm-1")).isEmpty();
    }

    @Test
    void a_ticket_for_another_vm_is_refused() {
        assertThat(tickets.redeem(tickets.issue("vm-1", "tok-abc"), "vm-2")).isEmpty();
    }

    @Test
    void tickets_are_unguessable_and_distinct() {
        assertThat(tickets.issue("vm-1", "a")).isNotEqualTo(tickets.issue("vm-1", "a")).hasSize(32);
    }
}
