package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.LeaseEndReason;
import io.deskpool.core.pool.PoolEvent;
import io.deskpool.core.pool.PoolListener;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live env sessions, by id and by the lease each holds. Listens to the pool so a session learns when its
 * lease ended without it (expired, VM stopped by an admin): its next call then says so instead of failing late.
 */
final class EnvSessions implements PoolListener {
    private final Map<String, EnvSession> byId = new ConcurrentHashMap<>();
    private final Map<String, EnvSession> byLease = new ConcurrentHashMap<>();

    EnvSession open(String token, Instant now) {
        EnvSession s = new EnvSession("env-" + UUID.randomUUID(), token, now);
        byId.put(s.id, s);
        return s;
    }

    /**
     * The session a call is for: the one named (the caller's own), or without a name the caller's only session.
     * Without a name and with several sessions the caller must say which.
     */
    EnvSession find(String token, Optional<String> id) {
        if (id.isPresent()) {
            EnvSession s = byId.get(id.get());
            if (s == null || s.closed) {
                throw new DeskpoolException(ErrorCode.NOT_FOUND, "no env session '" + id.get()
                        + "' (it was closed, or expired without calls for LEASE_TTL); reset without session_id to open one",
                        Map.of("reason", "unknown_session", "session_id", id.get()), null);
            }
            if (!s.token.equals(token)) {
                throw new DeskpoolException(ErrorCode.FORBIDDEN, "env session '" + id.get() + "' belongs to another token",
                        Map.of("reason", "not_session_owner", "session_id", id.get()), null);
            }
            return s;
        }
        List<EnvSession> mine = of(token);
        if (mine.isEmpty()) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "no env session: call POST /env/reset first",
                    Map.of("reason", "no_session"), null);
        }
        if (mine.size() > 1) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field 'session_id' is required: this token has "
                    + mine.size() + " env sessions", Map.of("reason", "session_id_required"), null);
        }
        return mine.get(0);
    }

    /** The caller's most recently used session. */
    Optional<EnvSession> latestOf(String token) {
        return of(token).stream().max(Comparator.comparing(s -> s.lastUsed));
    }

    List<EnvSession> of(String token) {
        return byId.values().stream().filter(s -> s.token.equals(token) && !s.closed)
                .sorted(Comparator.comparing(s -> s.createdAt)).toList();
    }

    int count() {
        return byId.size();
    }

    boolean anyWithVm() {
        return byId.values().stream().anyMatch(s -> s.lease != null);
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
        byLease.values().removeIf(x -> x == s);
    }

    /**
     * Drops sessions nobody can use any more: those whose lease expired, and those without a VM idle for
     * {@code idle}. A session in use (its lock held) is left alone.
     */
    void sweep(Instant now, Duration idle) {
        for (EnvSession s : List.copyOf(byId.values())) {
            boolean expired = s.leaseEnded == LeaseEndReason.EXPIRED;
            boolean stale = s.lastUsed.plus(idle).isBefore(now);
            if ((expired || stale) && s.lock.tryLock()) {
                try {
                    if (s.lease == null || s.leaseEnded != null) {
                        remove(s);
                    }
                } finally {
                    s.lock.unlock();
                }
            }
        }
    }

    @Override
    public void onEvent(PoolEvent event) {
        if (event instanceof PoolEvent.LeaseEnded ended) {
            EnvSession s = byLease.remove(ended.lease().id());
            if (s != null) {
                s.leaseEnded = ended.reason();
            }
        }
    }
}
