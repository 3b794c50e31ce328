package io.deskpool.server.env;

import io.deskpool.core.pool.PoolStatus;
import io.deskpool.core.pool.VmPool;
import io.deskpool.core.pool.VmState;
import io.deskpool.env.EnvEngine;
import io.deskpool.server.PoolJson;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /health}: the remote env server's health document (ARPO's fields: provider, KVM, env status; ENVS's
 * pool_size), with the pool's state. "ok" while the pool has or is making VMs; "degraded" while boots keep failing
 * and nothing is ready. The last boot failure (a provider's message, naming host paths) is shown to the admin token
 * only.
 */
final class EnvHealth {
    private final VmPool pool;
    private final EnvEngine engine;

    EnvHealth(VmPool pool, EnvEngine engine) {
        this.pool = pool;
        this.engine = engine;
    }

    Map<String, Object> report(boolean admin) {
        PoolStatus st = pool.status();
        int usable = st.count(VmState.WARM) + st.count(VmState.LEASED) + st.count(VmState.REVERTING);
        boolean degraded = st.consecutiveBootFailures() > 0 && usable == 0;
        boolean kvm = pool.provider().hardwareAccelerated();
        EnvEngine.Counts counts = engine.counts();
        var body = new LinkedHashMap<String, Object>();
        body.put("status", degraded ? "degraded" : "ok");
        body.put("provider", pool.provider().name());
        body.put("observation_type", "screenshot");
        body.put("screenshot_source", "the in-VM server's GET /screenshot");
        body.put("kvm_available", kvm);
        body.put("kvm_device", Files.exists(Path.of("/dev/kvm")) ? "/dev/kvm" : null);
        body.put("env_status", counts.withVm() > 0 ? "initialized" : "not_initialized");
        body.put("pool_size", st.poolSize());
        body.put("sessions", counts.sessions());
        body.put("sessions_with_vm", counts.withVm());
        body.put("calls_waiting_for_a_session", counts.callsWaiting());
        body.put("resets_waiting_for_quota", counts.quotaWaiting());
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
        p.put("last_boot_failure", PoolJson.withheld(st.lastBootFailure(), admin));
        p.put("breaker", st.breaker().state().name().toLowerCase(Locale.ROOT));
        p.put("lost_leases", st.lostLeases());
        body.put("pool", p);
        body.put("message", degraded ? "no VM is ready and the last " + st.consecutiveBootFailures()
                + " boot(s) failed: " + PoolJson.withheld(st.lastBootFailure(), admin)
                : kvm ? "VMs run with hardware acceleration" : "VMs run without KVM (software emulation or a cloud provider)");
        return body;
    }
}
