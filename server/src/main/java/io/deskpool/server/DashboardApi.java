package io.deskpool.server;

import io.deskpool.core.pool.TokenUsage;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The live dashboard ({@code /dashboard}) and its data ({@code /v1/overview}); the live view is {@link LiveViewApi}. */
final class DashboardApi {
    private final ServerContext s;
    private final String dashboardHtml;

    DashboardApi(ServerContext s) {
        this.s = s;
        this.dashboardHtml = resource("dashboard.html");
    }

    void register(Javalin app) {
        app.get("/", ctx -> ctx.redirect("/dashboard"));
        app.get("/dashboard", ctx -> ctx.html(dashboardHtml));
        app.get("/v1/overview", this::overview);
    }

    /**
     * The dashboard's data. The pool's counters are for anyone (as on /status); VMs and tokens only as far as the
     * caller may see them (all of them for the admin token), and recent requests for the admin token only.
     */
    private void overview(Context ctx) {
        Caller caller = s.auth().identify(ctx);
        var body = new LinkedHashMap<String, Object>();
        body.put("server_id", s.serverId());
        body.put("uptime_seconds", Duration.between(s.startedAt(), s.clock().instant()).toSeconds());
        body.put("cpu_percent", s.hostStats().cpuPercent());
        body.put("memory_percent", s.hostStats().memoryPercent());
        body.put("admin", caller.admin());
        body.put("pool", PoolJson.status(s.pool().status(), s.pool().provider().name(), caller.admin()));
        var tokens = new ArrayList<Map<String, Object>>();
        for (TokenUsage u : s.pool().status().tokens()) {
            if (!caller.mayActOn(u.token())) {
                continue;
            }
            var t = new LinkedHashMap<String, Object>();
            t.put("token", caller.show(u.token()));
            t.put("editable", caller.admin());
            t.put("current", u.current());
            t.put("limit", LegacyApi.limitForJson(u.limit()));
            tokens.add(t);
        }
        body.put("tokens", tokens);
        body.put("vms", s.pool().vms().stream()
                .filter(caller::maySee)
                .map(v -> s.views().vm(v, caller)).toList());
        body.put("requests", caller.admin()
                ? s.requestLog().recent(30).stream().map(RequestLog.Entry::toJson).toList() : List.of());
        ctx.json(body);
    }

    /** OSWorld's docker_server viewer of an emulator: now the live view of the emulator's VM. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }

    static String resource(String name) {
        try (InputStream in = DashboardApi.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
    }
}
