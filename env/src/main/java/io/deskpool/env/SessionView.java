package io.deskpool.env;

import io.deskpool.core.spi.VmEndpoints;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/**
 * A session as its owner may see it.
 *
 * @param slot     the slot number for sessions of the ARPO/ENVS dialect, empty for /v1 sessions
 * @param vm       the VM the session holds, if any
 * @param score    the evaluation's score once evaluated (kept until the next reset)
 * @param note     why the session has no VM when it lost one, or why its last reset failed; "" otherwise
 */
public record SessionView(String id, String owner, OptionalInt slot, State state, Optional<Vm> vm, String taskId,
                          int step, int maxSteps, OptionalDouble score, Instant createdAt, Instant lastUsed, String note) {
    /** Where a session is in its life. */
    public enum State {
        /** Never reset. */
        NEW,
        /** An episode is running. */
        RUNNING,
        /** The episode ended (done, failed, max steps, unparsable prediction) and awaits evaluation. */
        DONE,
        /** The episode was evaluated. */
        EVALUATED,
        /** The session's VM died (process or container ended, or it stopped answering its health check). */
        VM_LOST,
        /** The session has no VM: lost, released after ENV_IDLE_RELEASE, or its last reset failed. */
        NO_VM
    }

    /** The session's VM: its id, where its services answer, and until when its lease runs without a call. */
    public record Vm(String vmId, VmEndpoints endpoints, Instant leaseExpiresAt) {
        public Vm {
            requireNonNull(vmId, "vmId is null");
            requireNonNull(endpoints, "endpoints is null");
            requireNonNull(leaseExpiresAt, "leaseExpiresAt is null");
        }
    }

    public SessionView {
        requireNonNull(id, "id is null");
        requireNonNull(owner, "owner is null");
        requireNonNull(slot, "slot is null");
        requireNonNull(state, "state is null");
        requireNonNull(vm, "vm is null");
        requireNonNull(taskId, "taskId is null");
        requireNonNull(score, "score is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(lastUsed, "lastUsed is null");
        requireNonNull(note, "note is null");
    }
}
