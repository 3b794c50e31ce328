package io.deskpool.server;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.LostLease;
import io.deskpool.core.pool.TokenUsage;
import io.deskpool.core.pool.VmView;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deskpool's own versioned API: leases (acquire with a wait deadline, heartbeat, release, mark broken), VMs,
 * tokens and pool status. Errors are JSON {@code {error, message}} with the status their kind calls for.
 */
final class LeaseApi {
    private final ServerContext s;

    LeaseApi(ServerContext s) {
        this.s = s;
    }

    void register(Javalin app) {
        app.post("/v1/leases", this::acquire);
        app.get("/v1/leases", this::listLeases);
        app.get("/v1/leases/{id}", ctx -> ctx.json(s.views().lease(owned(ctx), s.auth().identify(ctx))));
        app.post("/v1/leases/{id}/heartbeat", this::heartbeat);
        app.delete("/v1/leases/{id}", this::release);
        app.post("/v1/leases/{id}/broken", this::markBroken);
        app.post("/v1/leases/{id}/fork", this::fork);
        app.get("/v1/vms", ctx -> {
            Caller caller = s.auth().identify(ctx);
            caller.requireKnownToken();
            ctx.json(s.pool().vms().stream().filter(caller::maySee).map(v -> s.views().vm(v, caller)).toList());
        });
        app.get("/v1/vms/{id}", ctx -> {
            Caller caller = s.auth().identify(ctx);
            caller.requireKnownToken();
            ctx.json(s.views().vm(visibleVm(caller, ctx.pathParam("id")), caller));
        });
        app.delete("/v1/vms/{id}", this::destroyVm);
        app.get("/v1/pool", ctx -> ctx.json(PoolJson.status(s.pool().status(), s.pool().provider().name(),
                s.auth().identify(ctx).admin())));
        app.get("/v1/tokens", this::listTokens);
        app.put("/v1/tokens/{token}", this::putToken);
        app.delete("/v1/tokens/{token}", this::deleteToken);
    }

    private void acquire(Context ctx) {
        String token = s.auth().client(ctx);
        JsonBody body = JsonBody.of(ctx);
        double waitSeconds = body.number("wait_seconds").orElse((double) s.startWait().toSeconds());
        if (waitSeconds < 0 || Double.isNaN(waitSeconds)) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field 'wait_seconds' must be >= 0, got " + waitSeconds);
        }
        Duration wait = Duration.ofMillis((long) (waitSeconds * 1000));
        if (wait.compareTo(s.maxAcquireWait()) > 0) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field 'wait_seconds' must be at most "
                    + s.maxAcquireWait().toSeconds() + " (ACQUIRE_MAX_WAIT), got " + waitSeconds);
        }
        Lease lease = s.pool().acquire(token, wait);
        s.leaseJournal().record(lease);
        ctx.status(201).json(s.views().lease(lease, s.auth().identify(ctx)));
    }

    private void listLeases(Context ctx) {
        Caller caller = s.auth().identify(ctx);
        caller.requireKnownToken();
        List<Map<String, Object>> out = s.pool().leases().stream()
                .filter(l -> caller.mayActOn(l.token()))
                .map(l -> s.views().lease(l, caller))
                .toList();
        ctx.json(out);
    }

    private void heartbeat(Context ctx) {
        Lease lease = owned(ctx);
        JsonBody.of(ctx);
        ctx.json(s.views().lease(s.pool().heartbeat(lease.id(), lease.token()), s.auth().identify(ctx)));
    }

    private void release(Context ctx) {
        Lease lease = owned(ctx);
        JsonBody.of(ctx);
        s.pool().release(lease.id(), lease.token());
        ctx.status(204);
    }

    private void markBroken(Context ctx) {
        Lease lease = owned(ctx);
        String reason = JsonBody.of(ctx).text("reason").orElse("");
        s.pool().markBroken(lease.id(), lease.token(), reason);
        ctx.status(202).json(Map.of("lease_id", lease.id(), "vm_id", lease.vmId(), "state", "broken"));
    }

    /**
     * Copies of the lease's VM as it is now (memory, processes, screen, disk), each leased to the lease's token:
     * 201 {@code {leases}}, or nothing at all (429 quota, 503 pool full, 501 a provider that cannot fork).
     */
    private void fork(Context ctx) {
        Lease lease = owned(ctx);
        JsonBody body = JsonBody.of(ctx);
        int poolSize = s.pool().config().poolSize();
        int count = body.integer("count").orElseThrow(() ->
                new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field 'count' is required"));
        if (count < 1 || count > poolSize) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field 'count' must be from 1 to " + poolSize
                    + " (POOL_SIZE), got " + count);
        }
        List<Lease> copies = s.pool().fork(lease.id(), lease.token(), count, s.pool().config().readyTimeout());
        copies.forEach(s.leaseJournal()::record);
        Caller caller = s.auth().identify(ctx);
        ctx.status(201).json(Map.of("leases", copies.stream().map(l -> s.views().lease(l, caller)).toList()));
    }

    /** The admin stops any VM; a client only one it leases. */
    private void destroyVm(Context ctx) {
        Caller caller = s.auth().identify(ctx);
        caller.requireKnownToken();
        String id = ctx.pathParam("id");
        visibleVm(caller, id);
        JsonBody.of(ctx);
        s.pool().destroyVm(id);
        ctx.status(202).json(Map.of("vm_id", id, "state", "destroying"));
    }

    private VmView visibleVm(Caller caller, String id) {
        return s.pool().vm(id).filter(caller::maySee).orElseThrow(() ->
                new DeskpoolException(ErrorCode.UNKNOWN_VM, "no VM with id '" + id + "'"));
    }

    private void listTokens(Context ctx) {
        Caller caller = s.auth().identify(ctx);
        var out = new java.util.ArrayList<Map<String, Object>>();
        for (TokenUsage u : s.pool().status().tokens()) {
            if (!caller.admin() && !caller.mayActOn(u.token())) {
                continue;
            }
            var m = new LinkedHashMap<String, Object>();
            m.put("token", caller.show(u.token()));
            m.put("label", s.tokens().label(u.token()));
            m.put("current", u.current());
            m.put("limit", LegacyApi.limitForJson(u.limit()));
            out.add(m);
        }
        ctx.json(out);
    }

    private void putToken(Context ctx) {
        s.auth().identify(ctx).requireAdmin("creating or changing a token");
        String token = ctx.pathParam("token");
        int limit = JsonBody.of(ctx).integer("limit").orElseThrow(() ->
                new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field 'limit' is required"));
        if (limit < 0) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "field 'limit' must be >= 0, got " + limit);
        }
        s.tokens().setLimit(token, limit);
        ctx.json(Map.of("label", s.tokens().label(token), "limit", limit));
    }

    /**
     * Removes a token and ends its leases at once: their VMs revert for the next client, and what the leases allowed
     * (env sessions, live views) ends with them. The token's holder could no longer release them itself.
     */
    private void deleteToken(Context ctx) {
        s.auth().identify(ctx).requireAdmin("removing a token");
        JsonBody.of(ctx);
        String token = ctx.pathParam("token");
        if (!s.tokens().remove(token)) {
            throw new DeskpoolException(ErrorCode.NOT_FOUND, "no such token");
        }
        for (Lease lease : s.pool().leases()) {
            if (lease.token().equals(token)) {
                try {
                    s.pool().forceRelease(lease.id());
                } catch (DeskpoolException endedMeanwhile) {
                    // the lease ended on its own while the token was removed
                }
            }
        }
        ctx.status(204);
    }

    /**
     * The lease named in the path, which the caller must own (or be admin) with a token that still exists. A lease
     * whose VM died is a 410 {@code vm_lost} saying when and why, for its owner only.
     */
    private Lease owned(Context ctx) {
        Caller caller = s.auth().identify(ctx);
        caller.requireKnownToken();
        String id = ctx.pathParam("id");
        Lease lease = s.pool().lease(id).orElse(null);
        String owner = lease != null ? lease.token() : s.pool().lostLease(id).map(LostLease::token).orElse(null);
        if (owner == null) {
            throw new DeskpoolException(ErrorCode.UNKNOWN_LEASE, "no active lease with id '" + id + "'");
        }
        if (!caller.mayActOn(owner)) {
            throw new DeskpoolException(ErrorCode.NOT_LEASE_OWNER, "lease '" + id + "' belongs to another token");
        }
        if (lease == null) {
            throw s.pool().lostLease(id).orElseThrow().error();
        }
        return lease;
    }
}
