package io.deskpool.server;

import io.deskpool.core.pool.CarriedLease;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.LeaseEndReason;
import io.deskpool.core.pool.PoolEvent;
import io.deskpool.core.spi.VmHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Leases kept in STATE_DIR/leases for the next start. */
class LeaseJournalTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path state;
    /** Leases the pool no longer holds; a test adds one before it tells the journal, as the pool does. */
    private final Set<String> ended = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private LeaseJournal journal() {
        return new LeaseJournal(state, id -> !ended.contains(id));
    }

    private void end(LeaseJournal journal, Lease lease, LeaseEndReason reason) {
        ended.add(lease.id());
        journal.onEvent(new PoolEvent.LeaseEnded(lease, reason));
    }

    private static Lease lease(String id, String vm) {
        VmHandle h = new VmHandle(vm, "memory", "mem-" + vm, Optional.empty(), Map.of(), T);
        return new Lease(id, vm, "alpha-secret", T, T.plusSeconds(60), h);
    }

    @Test
    void a_recorded_lease_is_read_back_by_the_next_start_and_only_its_owner_may_read_the_file() throws Exception {
        journal().record(lease("lease-1", "vm-1"));

        assertThat(journal().load()).containsExactly(new CarriedLease("lease-1", "vm-1", "alpha-secret", T));
        assertThat(Files.getPosixFilePermissions(state.resolve("leases/lease-1.json")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void a_lease_that_ends_is_forgotten() {
        LeaseJournal journal = journal();
        Lease lease = lease("lease-1", "vm-1");
        journal.record(lease);

        end(journal, lease, LeaseEndReason.RELEASED);

        assertThat(journal.load()).isEmpty();
    }

    @Test
    void a_pool_that_closes_keeps_its_leases_for_the_next_start() {
        LeaseJournal journal = journal();
        Lease lease = lease("lease-1", "vm-1");
        journal.record(lease);

        end(journal, lease, LeaseEndReason.POOL_CLOSED);

        assertThat(journal.load()).extracting(CarriedLease::leaseId).containsExactly("lease-1");
    }

    @Test
    void leases_the_start_did_not_carry_over_are_forgotten() {
        LeaseJournal journal = journal();
        journal.record(lease("lease-1", "vm-1"));
        journal.record(lease("lease-2", "vm-2"));

        journal.retainOnly(Set.of("lease-2"));

        assertThat(journal.load()).extracting(CarriedLease::leaseId).containsExactly("lease-2");
    }

    @Test
    void a_state_directory_that_takes_no_writes_costs_the_carry_over_not_the_lease() throws Exception {
        Files.writeString(state.resolve("leases"), "a file where the directory should be");

        journal().record(lease("lease-1", "vm-1"));

        assertThat(journal().load()).isEmpty();
    }

    @Test
    void leases_granted_while_the_disk_took_no_writes_are_kept_once_it_takes_them_again() throws Exception {
        Path blocker = state.resolve("leases");
        Files.writeString(blocker, "a file where the directory should be");
        LeaseJournal journal = journal();
        Lease kept = lease("lease-1", "vm-1");
        Lease released = lease("lease-2", "vm-2");
        journal.record(kept);
        journal.record(released);
        end(journal, released, LeaseEndReason.RELEASED);
        Files.delete(blocker);

        journal.record(lease("lease-3", "vm-3"));

        assertThat(journal().load()).extracting(CarriedLease::leaseId)
                .containsExactlyInAnyOrder("lease-1", "lease-3");
    }

    @Test
    void any_pool_event_after_the_disk_recovered_writes_the_leases_it_missed() throws Exception {
        Path blocker = state.resolve("leases");
        Files.writeString(blocker, "a file where the directory should be");
        LeaseJournal journal = journal();
        Lease lease = lease("lease-1", "vm-1");
        journal.record(lease);
        Files.delete(blocker);

        journal.onEvent(new PoolEvent.LeaseGranted(lease("lease-9", "vm-9"), java.time.Duration.ZERO));

        assertThat(journal().load()).extracting(CarriedLease::leaseId).containsExactly("lease-1");
    }

    @Test
    void a_lease_that_ended_before_its_grant_was_recorded_leaves_no_file() {
        LeaseJournal journal = journal();
        Lease lease = lease("lease-1", "vm-1");
        end(journal, lease, LeaseEndReason.RELEASED);

        journal.record(lease);

        assertThat(journal().load()).isEmpty();
    }

    @Test
    void a_lease_that_ends_while_its_file_is_being_written_leaves_no_file() throws Exception {
        Lease lease = lease("lease-1", "vm-1");
        var ending = new java.util.concurrent.atomic.AtomicReference<Thread>();
        LeaseJournal[] journal = new LeaseJournal[1];
        journal[0] = new LeaseJournal(state, id -> {
            // The pool still held the lease when the journal asked; the client releases it right after.
            Thread t = new Thread(() -> end(journal[0], lease, LeaseEndReason.RELEASED));
            ending.set(t);
            t.start();
            try {
                t.join(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        });

        journal[0].record(lease);
        ending.get().join();

        assertThat(journal().load()).isEmpty();
    }
}
