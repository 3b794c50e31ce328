package io.deskpool.server;

import io.deskpool.core.pool.BreakerStatus;
import io.deskpool.core.pool.FailedDestroy;
import io.deskpool.core.pool.PoolStatus;
import io.deskpool.core.pool.VmState;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The pool's counters as JSON. Failure messages (the last boot failure, the breaker's last failure, failed destroys'
 * errors) come from providers and name host paths, commands and addresses: the admin token sees them, anyone else
 * a generic text ({@link #withheld}) when there is one.
 */
public final class PoolJson {
    /** What a caller without the admin token sees in place of a failure message. */
    public static final String WITHHELD = "a failure occurred; its message is shown to the admin token only";

    private PoolJson() {
    }

    /** {@code message} for the admin; for anyone else "" when empty, else {@link #WITHHELD}. */
    public static String withheld(String message, boolean admin) {
        return admin || message.isEmpty() ? message : WITHHELD;
    }

    static Map<String, Object> status(PoolStatus st, String provider, boolean admin) {
        var m = new LinkedHashMap<String, Object>();
        m.put("provider", provider);
        m.put("pool_size", st.poolSize());
        m.put("warm_target", st.warmTarget());
        m.put("total", st.total());
        var byState = new LinkedHashMap<String, Integer>();
        for (VmState state : VmState.values()) {
            byState.put(state.name().toLowerCase(Locale.ROOT), st.count(state));
        }
        m.put("vms", byState);
        m.put("leases", st.leases());
        m.put("waiting", st.waiting());
        m.put("consecutive_boot_failures", st.consecutiveBootFailures());
        m.put("last_boot_failure", withheld(st.lastBootFailure(), admin));
        m.put("breaker", breaker(st.breaker(), admin));
        m.put("failed_destroys", st.failedDestroys().stream().map(f -> failedDestroy(f, admin)).toList());
        m.put("lost_leases", st.lostLeases());
        return m;
    }

    /** The boot circuit breaker: {@code closed}, {@code open} (no boot until {@code retry_at}) or {@code half_open}. */
    static Map<String, Object> breaker(BreakerStatus b, boolean admin) {
        var m = new LinkedHashMap<String, Object>();
        m.put("state", b.state().name().toLowerCase(Locale.ROOT));
        m.put("failures", b.failures());
        m.put("threshold", b.threshold());
        m.put("last_failure", withheld(b.lastFailure(), admin));
        m.put("retry_at", b.retryAt().map(Object::toString).orElse(""));
        return m;
    }

    private static Map<String, Object> failedDestroy(FailedDestroy f, boolean admin) {
        var m = new LinkedHashMap<String, Object>();
        m.put("vm_id", f.vmId());
        m.put("attempts", f.attempts());
        m.put("last_error", withheld(f.lastError(), admin));
        m.put("next_attempt", f.nextAttempt().toString());
        return m;
    }
}
