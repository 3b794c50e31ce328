package io.deskpool.server.env;

import io.deskpool.core.pool.PoolStatus;
import io.deskpool.core.pool.VmPool;
import io.deskpool.core.pool.VmState;
import io.deskpool.env.EnvService;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /health}: the remote env server's health document (provider, KVM, env status), with the pool's
 * state. "ok" while the pool has or is making VMs; "degraded" while boots keep failing and nothing is ready.
 */
final class EnvHealth {
    private final VmPool pool;
    private final EnvService sessions;

    EnvHealth(VmPool pool, EnvService sessions) {
        this.pool = pool;
        this.sessions = sessions;
    }

    Map<String, Object> report() {
        PoolStatus st = pool.status();
        int usable = st.count(VmState.WARM) + st.count(VmState.LEASED) + st.count(VmState.REVERTING);
        boolean degraded = st.consecutiveBootFailures() > 0 && usable == 0;
        var body = new LinkedHashMap<String, Object>();
        body.put("status", degraded ? "degraded" : "ok");
        body.put("provider", pool.provider().name());
        body.put("kvm_available", pool.provider().hardwareAccelerated());
        body.put("kvm_device", Files.exists(Path.of("/dev/kvm")) ? "/dev/kvm" : "");
        body.put("observation_type", "screenshot");
        body.put("screenshot_source", "in-vm server GET /screenshot");
        body.put("env_status", sessions.anySessionWithVm() ? "initialized" : "not_initialized");
        body.put("sessions", sessions.sessionCount());
        var p = new LinkedHashMap<String, Object>();
        p.put("pool_size", st.poolSize());
        p.put("warm_target", st.warmTarget());
        p.put("total", st.total());
        var byState = new LinkedHashMap<String, Integer>();
        for (VmState s : VmState.values()) {
            byState.put(s.name().toLowerCase(Locale.ROOT), st.count(s));
        }
        p.put("vms", byState);
        p.put("leases", st.leases());
        p.put("waiting", st.waiting());
        p.put("consecutive_boot_failures", st.consecutiveBootFailures());
        p.put("last_boot_failure", st.lastBootFailure());
        body.put("pool", p);
        body.put("message", degraded ? "no VM is ready and the last " + st.consecutiveBootFailures()
                + " boot(s) failed: " + st.lastBootFailure() : "");
        return body;
    }
}
