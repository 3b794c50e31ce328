package io.deskpool.server;

import io.deskpool.core.pool.BreakerStatus;
import io.deskpool.core.pool.FailedDestroy;
import io.deskpool.core.pool.PoolStatus;
import io.deskpool.core.pool.VmState;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The pool's counters as JSON. */
final class PoolJson {
    private PoolJson() {
    }

    static Map<String, Object> status(PoolStatus st, String provider) {
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
        m.put("last_boot_failure", st.lastBootFailure());
        m.put("breaker", breaker(st.breaker()));
        m.put("failed_destroys", st.failedDestroys().stream().map(PoolJson::failedDestroy).toList());
        m.put("lost_leases", st.lostLeases());
        return m;
    }

    /** The boot circuit breaker: {@code closed}, {@code open} (no boot until {@code retry_at}) or {@code half_open}. */
    static Map<String, Object> breaker(BreakerStatus b) {
        var m = new LinkedHashMap<String, Object>();
        m.put("state", b.state().name().toLowerCase(Locale.ROOT));
        m.put("failures", b.failures());
        m.put("threshold", b.threshold());
        m.put("last_failure", b.lastFailure());
        m.put("retry_at", b.retryAt().map(Object::toString).orElse(""));
        return m;
    }

    private static Map<String, Object> failedDestroy(FailedDestroy f) {
        var m = new LinkedHashMap<String, Object>();
        m.put("vm_id", f.vmId());
        m.put("attempts", f.attempts());
        m.put("last_error", f.lastError());
        m.put("next_attempt", f.nextAttempt().toString());
        return m;
    }
}
