package io.deskpool.env;

import io.deskpool.core.pool.LeaseEndReason;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.PoolEvent;
import io.deskpool.core.pool.PoolListener;
import io.deskpool.core.spi.ScreenSize;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live sessions, by id, by owner and slot, and by the lease each holds. Listens to the pool so a session
 * learns when its lease ended without it (an admin stopped the VM): its next call then says so instead of failing
 * late.
 */
final class EnvSessions implements PoolListener {
    /** Slot numbers a caller may use: enough for any trainer, bounded so a caller cannot fill the memory. */
    static final int MAX_SLOT = 4095;

    private final Map<String, EnvSession> byId = new ConcurrentHashMap<>();
    private final Map<String, EnvSession> bySlot = new ConcurrentHashMap<>();
    private final Map<String, EnvSession> byLease = new ConcurrentHashMap<>();
    private final ScreenSize defaultScreen;

    EnvSessions(ScreenSize defaultScreen) {
        this.defaultScreen = defaultScreen;
    }

    EnvSession open(String owner, Instant now) {
        EnvSession s = new EnvSession("env-" + UUID.randomUUID(), owner, OptionalInt.empty(), now, defaultScreen);
        byId.put(s.id, s);
        return s;
    }

    /** The owner's slot {@code k}, made on first use; slots live as long as the server. */
    EnvSession slot(String owner, int k, Instant now) {
        if (k < 0 || k > MAX_SLOT) {
            throw EnvFailure.INVALID_REQUEST.exception("slot must be a whole number from 0 to " + MAX_SLOT + ", got " + k);
        }
        return bySlot.computeIfAbsent(owner + '\u0000' + k, key -> {
            EnvSession s = new EnvSession("slot-" + k + "-" + UUID.randomUUID(), owner, OptionalInt.of(k), now, defaultScreen);
            byId.put(s.id, s);
            return s;
        });
    }

    /** The owner's session {@code id}: 404 when there is none, 403 when it is someone else's. */
    EnvSession find(String owner, String id) {
        EnvSession s = byId.get(id);
        if (s == null || s.closed) {
            throw EnvFailure.UNKNOWN_SESSION.exception("no env session '" + id + "' (it was closed, or removed after "
                    + "ENV_IDLE_RELEASE without calls); create one with POST /v1/sessions", Map.of("session_id", id), null);
        }
        if (!s.owner.equals(owner)) {
            throw EnvFailure.NOT_SESSION_OWNER.exception("env session '" + id + "' belongs to another token",
                    Map.of("session_id", id), null);
        }
        return s;
    }

    List<EnvSession> of(String owner) {
        return byId.values().stream().filter(s -> s.owner.equals(owner) && !s.closed)
                .sorted(Comparator.comparing((EnvSession s) -> s.createdAt).thenComparing(s -> s.id)).toList();
    }

    List<EnvSession> all() {
        return List.copyOf(byId.values());
    }

    int count() {
        return byId.size();
    }

    int withVm() {
        return (int) byId.values().stream().filter(s -> s.view().vm().isPresent()).count();
    }

    /** Calls waiting for a session's lock (an estimate, as {@link java.util.concurrent.locks.ReentrantLock} gives it). */
    int callsWaiting() {
        return byId.values().stream().mapToInt(s -> s.lock.getQueueLength()).sum();
    }

    void bind(EnvSession s, Lease lease) {
        byLease.put(lease.id(), s);
    }

    void unbind(Lease lease) {
        if (lease != null) {
            byLease.remove(lease.id());
        }
    }

    void remove(EnvSession s) {
        s.closed = true;
        byId.remove(s.id);
        bySlot.values().removeIf(x -> x == s);
        byLease.values().removeIf(x -> x == s);
    }

    @Override
    public void onEvent(PoolEvent event) {
        if (event instanceof PoolEvent.LeaseEnded ended) {
            EnvSession s = byLease.remove(ended.lease().id());
            if (s != null) {
                LeaseEndReason reason = ended.reason();
                s.leaseEnded = reason;
            }
        }
    }
}
