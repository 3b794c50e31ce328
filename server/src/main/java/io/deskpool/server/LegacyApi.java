package io.deskpool.server;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.LostLease;
import io.deskpool.core.pool.PoolStatus;
import io.deskpool.core.pool.TokenUsage;
import io.deskpool.core.pool.VmView;
import io.deskpool.core.spi.ResourceStats;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OSWorld remote docker_server API, drop-in: same paths, shapes and status codes, so OSWorld's own
 * {@code docker_server} client works unchanged. An emulator is a lease on a pooled VM: starting one hands out a
 * warm VM (or waits up to START_WAIT for a boot), stopping one gives the VM back to be reverted and reused.
 */
final class LegacyApi {
    private final ServerContext s;

    LegacyApi(ServerContext s) {
        this.s = s;
    }

    void register(Javalin app) {
        app.get("/ping", ctx -> ctx.json(Map.of("message", "Hello, World!")));
        app.get("/start_emulator", this::startEmulator);
        app.post("/start_emulator", this::startEmulator);
        app.post("/stop_emulator", ctx -> {
            Caller caller = stopper(ctx);
            stopEmulator(ctx, caller, JsonBody.of(ctx).requireText("emulator_id"));
        });
        app.delete("/emulators/{id}", ctx -> {
            Caller caller = stopper(ctx);
            JsonBody.of(ctx);
            stopEmulator(ctx, caller, ctx.pathParam("id"));
        });
        app.post("/stop_all_emulators", this::stopAll);
        app.post("/remove_all_containers", this::removeAll);
        app.get("/status", this::status);
        app.get("/tokens", this::tokens);
        app.post("/set_token_limit", this::setTokenLimit);
        app.get("/emulators", ctx -> ctx.json(emulators(ctx, false)));
        app.get("/emulator_resources", ctx -> ctx.json(emulators(ctx, true)));
        app.get("/emulator_resources/{id}", this::emulatorResources);
        app.get("/emulators_by_token", this::emulatorsByToken);
        app.get("/emulator_status/{id}", this::emulatorStatus);
        app.get("/request_logs", this::requestLogs);
    }

    private void startEmulator(Context ctx) {
        String token = s.auth().client(ctx);
        JsonBody.of(ctx).text("token"); // parsed and checked before a VM is handed out
        Lease lease = s.pool().acquire(token, s.startWait());
        s.leaseJournal().record(lease);
        var data = s.views().emulator(lease, s.auth().identify(ctx));
        data.put("token", token);
        var body = new LinkedHashMap<String, Object>();
        body.put("message", "Emulator started successfully");
        body.put("code", 0);
        body.put("data", data);
        ctx.json(body);
    }

    /** Who asks to stop an emulator: with required tokens, a token this server knows (401/403 before the body is parsed). */
    private Caller stopper(Context ctx) {
        Caller caller = s.auth().identify(ctx);
        if (s.auth().requireToken()) {
            caller.requireKnownToken();
        }
        return caller;
    }

    private void stopEmulator(Context ctx, Caller caller, String emulatorId) {
        Optional<LostLease> lost = s.pool().lostLease(emulatorId);
        Lease lease = s.pool().lease(emulatorId).orElse(null);
        if (lease == null && lost.isEmpty()) {
            throw new DeskpoolException(ErrorCode.NOT_FOUND, "emulator '" + emulatorId + "' not found");
        }
        String owner = lease != null ? lease.token() : lost.get().token();
        if (s.auth().requireToken() && !caller.mayActOn(owner)) {
            throw new DeskpoolException(ErrorCode.FORBIDDEN, "token does not own this emulator");
        }
        if (lease == null) {
            throw lost.get().error();
        }
        s.pool().forceRelease(lease.id());
        ctx.json(Map.of("message", "Emulator stopped successfully", "code", 0));
    }

    private void stopAll(Context ctx) {
        String token = s.auth().client(ctx);
        JsonBody.of(ctx);
        List<String> stopped = new ArrayList<>();
        int failed = 0;
        for (Lease lease : s.pool().leases()) {
            if (lease.token().equals(token)) {
                try {
                    s.pool().forceRelease(lease.id());
                    stopped.add(lease.id());
                } catch (DeskpoolException e) {
                    failed++;
                }
            }
        }
        ctx.json(Map.of("stopped_count", stopped.size(), "failed_count", failed, "stopped_ids", stopped, "code", 0));
    }

    /** Admin: destroys every pooled VM older than {@code min_age} minutes (the pool boots replacements as due). */
    private void removeAll(Context ctx) {
        s.auth().identify(ctx).requireAdmin("removing all VMs");
        JsonBody body = JsonBody.of(ctx);
        double minAgeMinutes = body.number("min_age").orElse(0.0);
        if (!(minAgeMinutes >= 0) || Double.isInfinite(minAgeMinutes)) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field 'min_age' must be a number of minutes >= 0");
        }
        boolean dryRun = body.bool("dry_run", false);
        var now = s.clock().instant();
        List<String> removed = new ArrayList<>();
        int failed = 0;
        for (VmView vm : s.pool().vms()) {
            // Compared in minutes, not as now - min_age: a huge min_age is "older than anything", not a date overflow.
            if (Duration.between(vm.createdAt(), now).toMillis() / 60_000.0 < minAgeMinutes) {
                continue;
            }
            if (dryRun) {
                removed.add(vm.id());
                continue;
            }
            try {
                s.pool().destroyVm(vm.id());
                removed.add(vm.id());
            } catch (DeskpoolException e) {
                failed++;
            }
        }
        ctx.json(Map.of("removed_count", removed.size(), "failed_count", failed, "removed_ids", removed,
                "dry_run", dryRun, "code", 0));
    }

    private void status(Context ctx) {
        Caller caller = s.auth().identify(ctx);
        PoolStatus st = s.pool().status();
        var body = new LinkedHashMap<String, Object>();
        body.put("uptime_seconds", Duration.between(s.startedAt(), s.clock().instant()).toSeconds());
        body.put("cpu_percent", s.hostStats().cpuPercent());
        body.put("memory_percent", s.hostStats().memoryPercent());
        body.put("total_containers_for_image", st.total());
        body.put("total_emulators", st.leases());
        List<Map<String, Object>> tokens = new ArrayList<>();
        for (TokenUsage u : st.tokens()) {
            var t = new LinkedHashMap<String, Object>();
            t.put("token", caller.show(u.token()));
            t.put("current", u.current());
            t.put("limit", limitForJson(u.limit()));
            t.put("available", limitForJson(u.available()));
            tokens.add(t);
        }
        body.put("tokens", tokens);
        body.put("pool", PoolJson.status(st, s.pool().provider().name(), caller.admin()));
        ctx.json(body);
    }

    /**
     * {@code {"<token>": {current, limit, emulator_count}}}. The caller's own token is shown in clear (the OSWorld
     * client looks itself up before starting); everyone else's is redacted unless the caller is admin.
     */
    private void tokens(Context ctx) {
        Caller caller = s.auth().identify(ctx);
        var body = new LinkedHashMap<String, Object>();
        for (TokenUsage u : s.pool().status().tokens()) {
            var t = new LinkedHashMap<String, Object>();
            t.put("current", u.current());
            t.put("limit", limitForJson(u.limit()));
            t.put("emulator_count", u.current());
            body.put(caller.show(u.token()), t);
        }
        ctx.json(body);
    }

    private void setTokenLimit(Context ctx) {
        s.auth().identifyByHeader(ctx).requireAdmin("setting a token limit");
        JsonBody body = JsonBody.of(ctx);
        String token = body.requireText("token");
        int limit = body.integer("limit").orElseThrow(() ->
                new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field 'limit' is required"));
        if (limit < 0) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field 'limit' must be >= 0, got " + limit);
        }
        s.tokens().setLimit(token, limit);
        ctx.json(Map.of("message", "Token limit updated", "code", 0, "token", s.tokens().label(token), "limit", limit));
    }

    /** The caller's own emulators (the admin's: all, or one token's with {@code ?token=}). */
    private List<Map<String, Object>> emulators(Context ctx, boolean withResources) {
        Caller caller = s.auth().identify(ctx);
        String filter = ctx.queryParam("token");
        List<Map<String, Object>> out = new ArrayList<>();
        for (Lease lease : sortedLeases()) {
            if (!caller.mayActOn(lease.token()) || (filter != null && !filter.isBlank() && !lease.token().equals(filter))) {
                continue;
            }
            var e = s.views().emulator(lease, caller);
            if (withResources) {
                e.put("resources", resources(lease));
            }
            out.add(e);
        }
        return out;
    }

    private void emulatorResources(Context ctx) {
        Caller caller = s.auth().identify(ctx);
        Lease lease = visibleLease(caller, ctx.pathParam("id")).orElseThrow(() ->
                new DeskpoolException(ErrorCode.NOT_FOUND, "emulator '" + ctx.pathParam("id") + "' not found"));
        var e = s.views().emulator(lease, caller);
        e.put("resources", resources(lease));
        ctx.json(e);
    }

    private Map<String, Object> resources(Lease lease) {
        ResourceStats r;
        try {
            r = s.pool().provider().stats(lease.vm());
        } catch (RuntimeException ex) {
            r = ResourceStats.UNKNOWN;
        }
        var m = new LinkedHashMap<String, Object>();
        m.put("cpu_percent", r.cpuPercent());
        m.put("memory_usage_bytes", r.memoryUsageBytes());
        m.put("memory_limit_bytes", r.memoryLimitBytes());
        m.put("memory_percent", r.memoryPercent());
        m.put("net_rx_bytes", r.netRxBytes());
        m.put("net_tx_bytes", r.netTxBytes());
        m.put("blk_read_bytes", r.blockReadBytes());
        m.put("blk_write_bytes", r.blockWriteBytes());
        return m;
    }

    private void emulatorsByToken(Context ctx) {
        String token = ctx.queryParam("token");
        if (token == null || token.isBlank()) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "query parameter 'token' is required");
        }
        Caller caller = s.auth().identify(ctx);
        ctx.json(sortedLeases().stream().filter(l -> l.token().equals(token) && caller.mayActOn(l.token()))
                .map(Lease::id).toList());
    }

    /** A lease the caller may see; another token's looks exactly like one that does not exist. */
    private Optional<Lease> visibleLease(Caller caller, String id) {
        return s.pool().lease(id).filter(l -> caller.mayActOn(l.token()));
    }

    private void emulatorStatus(Context ctx) {
        String id = ctx.pathParam("id");
        Caller caller = s.auth().identify(ctx);
        var lease = visibleLease(caller, id);
        Optional<LostLease> lost = s.pool().lostLease(id).filter(l -> caller.mayActOn(l.token()));
        if (lease.isEmpty() && lost.isPresent()) {
            LostLease l = lost.get();
            var body = new LinkedHashMap<String, Object>();
            body.put("status", "lost");
            body.put("emulator_id", id);
            body.put("vm_id", l.vmId());
            body.put("lost_at", l.lostAt().toString());
            body.put("reason", l.reason());
            body.put("code", 410);
            body.put("error", ErrorCode.VM_LOST.wireName());
            body.put("message", l.error().getMessage());
            ctx.status(410).json(body);
            return;
        }
        if (lease.isEmpty()) {
            ctx.status(404).json(Map.of("status", "not_found", "emulator_id", id, "code", 404,
                    "error", "not_found", "message", "emulator '" + id + "' not found"));
            return;
        }
        var vm = s.pool().vm(lease.get().vmId());
        var body = s.views().emulator(lease.get(), s.auth().identify(ctx));
        body.put("status", "running");
        body.put("vm_state", vm.map(v -> v.state().name().toLowerCase()).orElse("gone"));
        ctx.json(body);
    }

    private void requestLogs(Context ctx) {
        s.auth().identify(ctx).requireAdmin("reading the request log");
        int limit;
        try {
            limit = Integer.parseInt(ctx.queryParamAsClass("limit", String.class).getOrDefault("200"));
        } catch (NumberFormatException e) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "query parameter 'limit' must be a whole number");
        }
        if (limit < 0) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "query parameter 'limit' must be >= 0");
        }
        ctx.json(s.requestLog().recent(limit).stream().map(RequestLog.Entry::toJson).toList());
    }

    private List<Lease> sortedLeases() {
        return s.pool().leases().stream().sorted(Comparator.comparing(Lease::grantedAt)).toList();
    }

    static Object limitForJson(int limit) {
        return limit == Integer.MAX_VALUE ? -1 : limit;
    }
}
