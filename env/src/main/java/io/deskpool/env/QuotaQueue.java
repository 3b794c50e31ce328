package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.PoolEvent;
import io.deskpool.core.pool.PoolListener;
import io.deskpool.core.pool.VmPool;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Resets wait for a VM first come first served, also when their token holds its quota. The pool refuses an
 * acquire over quota at once (right for /v1 leases, whose clients decide what to do); a training cluster's N
 * workers on M VMs instead expect their resets to queue until a VM of theirs is given back. So a reset over quota
 * joins its token's line here, and the line's head tries again whenever one of the token's leases ends (and once
 * a second, for limits changed at run time). While a token has a line, its new resets join the line's tail rather
 * than overtake it.
 */
final class QuotaQueue implements PoolListener {
    private static final long RECHECK_MILLIS = 1000;

    private final VmPool pool;
    private final Map<String, Deque<Object>> lines = new HashMap<>();

    QuotaQueue(VmPool pool) {
        this.pool = pool;
    }

    /**
     * A lease for {@code token}, waiting at most {@code maxWait} in all.
     *
     * @throws DeskpoolException {@link EnvFailure#NO_QUOTA} at once for a token whose limit is 0,
     *                           {@link EnvFailure#RESET_WAIT_EXPIRED} when neither quota nor a VM came free in time,
     *                           {@link EnvFailure#INTERRUPTED} or {@link EnvFailure#SHUTTING_DOWN} when the server stops
     */
    Lease acquire(String token, Duration maxWait) {
        if (pool.quotas().limit(token) == 0) {
            throw EnvFailure.NO_QUOTA.exception("this token may hold no VM (its limit in TOKENS is 0)");
        }
        long end = System.nanoTime() + maxWait.toNanos();
        Object ticket = null;
        synchronized (this) {
            Deque<Object> line = lines.get(token);
            if (line != null && !line.isEmpty()) {
                ticket = join(token);
            }
        }
        try {
            while (true) {
                if (ticket == null || isHead(token, ticket)) {
                    try {
                        return pool.acquire(token, Duration.ofNanos(Math.max(0, end - System.nanoTime())));
                    } catch (DeskpoolException e) {
                        if (e.code() != ErrorCode.QUOTA_EXCEEDED) {
                            throw asEnvFailure(e, maxWait);
                        }
                        if (ticket == null) {
                            synchronized (this) {
                                ticket = join(token);
                            }
                        }
                    }
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw EnvFailure.RESET_WAIT_EXPIRED.exception("no VM within " + maxWait.toSeconds()
                            + " s: this token holds its quota of " + pool.quotas().limit(token)
                            + " VM(s) and none of them was given back in time; retry the reset");
                }
                synchronized (this) {
                    wait(Math.max(1, Math.min(RECHECK_MILLIS, left / 1_000_000)));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EnvFailure.INTERRUPTED.exception("interrupted while waiting for the token's quota; retry the reset", e);
        } finally {
            if (ticket != null) {
                synchronized (this) {
                    Deque<Object> line = line(token);
                    line.remove(ticket);
                    if (line.isEmpty()) {
                        lines.remove(token);
                    }
                    notifyAll();
                }
            }
        }
    }

    /**
     * The pool's own refusals as the env failures they are for a reset: its wait for a free VM ran out, the wait was
     * interrupted, the pool is closing. Anything else the pool throws for an acquire is a bug and stays as it is.
     */
    private static DeskpoolException asEnvFailure(DeskpoolException e, Duration maxWait) {
        if (e.code() == ErrorCode.ACQUIRE_TIMEOUT && e.getCause() instanceof InterruptedException) {
            return EnvFailure.INTERRUPTED.exception("interrupted while waiting for a VM; retry the reset", e);
        }
        return switch (e.code()) {
            case ACQUIRE_TIMEOUT -> EnvFailure.RESET_WAIT_EXPIRED.exception("no VM within " + maxWait.toSeconds()
                    + " s (" + e.getMessage() + "); retry the reset", e);
            case POOL_CLOSED -> EnvFailure.SHUTTING_DOWN.exception("the server is shutting down; retry the reset "
                    + "once it is back", e);
            default -> e;
        };
    }

    /** How many resets of {@code token} wait for its quota. */
    synchronized int waiting(String token) {
        Deque<Object> line = lines.get(token);
        return line == null ? 0 : line.size();
    }

    /** How many resets of any token wait for quota. */
    synchronized int waiting() {
        return lines.values().stream().mapToInt(Deque::size).sum();
    }

    private Object join(String token) {
        Object ticket = new Object();
        line(token).addLast(ticket);
        return ticket;
    }

    private synchronized boolean isHead(String token, Object ticket) {
        return line(token).peekFirst() == ticket;
    }

    private Deque<Object> line(String token) {
        return lines.computeIfAbsent(token, t -> new ArrayDeque<>());
    }

    @Override
    public void onEvent(PoolEvent event) {
        if (event instanceof PoolEvent.LeaseEnded) {
            synchronized (this) {
                notifyAll();
            }
        }
    }
}
