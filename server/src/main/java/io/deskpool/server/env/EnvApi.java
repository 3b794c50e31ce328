package io.deskpool.server.env;

import io.deskpool.core.pool.VmPool;
import io.deskpool.core.settings.Settings;
import io.deskpool.env.EnvConfig;
import io.deskpool.env.EnvService;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The remote env API for training clusters: {@code POST /env/reset}, {@code /env/step}, {@code /env/evaluate},
 * {@code /env/close}, {@code GET /env/screenshot}, {@code GET /env/sessions} and {@code GET /health}. Sessions
 * sit on pooled VMs: many run at once, each one call at a time. Failures are JSON errors with a {@code reason}
 * in their details (rendered by the server's error handler), never a 200 with a flag.
 */
public final class EnvApi {
    private final EnvService service;
    private final EnvHealth health;
    private final Function<Context, String> clientToken;
    private final Duration maxWait;
    private final Duration stepTimeout;

    /**
     * @param clientToken the caller's token, failing with 401/403 as the server's other client routes do
     */
    public EnvApi(VmPool pool, Function<Context, String> clientToken, Settings settings, Duration maxAcquireWait, Clock clock) {
        EnvConfig config = EnvConfig.from(settings, maxAcquireWait);
        this.service = EnvService.create(pool, config, clock);
        this.health = new EnvHealth(pool, service);
        this.clientToken = clientToken;
        this.maxWait = config.maxAcquireWait();
        this.stepTimeout = config.stepTimeout();
    }

    public void register(Javalin app) {
        app.post("/env/reset", this::reset);
        app.post("/env/step", this::step);
        app.post("/env/evaluate", this::evaluate);
        app.post("/env/close", this::close);
        app.get("/env/screenshot", this::screenshot);
        app.get("/env/sessions", ctx -> ctx.json(Map.of("sessions", service.list(clientToken.apply(ctx)))));
        app.get("/health", ctx -> ctx.json(health.report()));
    }

    private void reset(Context ctx) {
        String token = clientToken.apply(ctx);
        EnvRequest req = EnvRequest.of(ctx);
        var opts = new EnvService.ResetOptions(
                req.integer("max_steps", 1, 100_000),
                req.seconds("wait_seconds", maxWait),
                req.bool("require_a11y_tree").orElse(false),
                req.choice("screenshot", "base64", "url").map(s -> s.equals("url")));
        ctx.json(service.reset(token, req.sessionId(ctx), req.node("task_config"), opts));
    }

    private void step(Context ctx) {
        String token = clientToken.apply(ctx);
        EnvRequest req = EnvRequest.of(ctx);
        ctx.json(service.step(token, req.sessionId(ctx), req.node("action"),
                req.seconds("pause", Duration.ofSeconds(60)), req.bool("require_a11y_tree"),
                req.seconds("timeout", stepTimeout).filter(t -> !t.isZero())));
    }

    private void evaluate(Context ctx) {
        String token = clientToken.apply(ctx);
        EnvRequest req = EnvRequest.of(ctx);
        ctx.json(service.evaluate(token, req.sessionId(ctx)));
    }

    private void close(Context ctx) {
        String token = clientToken.apply(ctx);
        EnvRequest req = EnvRequest.of(ctx);
        ctx.json(service.close(token, req.sessionId(ctx)));
    }

    private void screenshot(Context ctx) {
        String token = clientToken.apply(ctx);
        Optional<String> id = Optional.ofNullable(ctx.queryParam("session_id")).filter(s -> !s.isBlank());
        ctx.contentType("image/png").result(service.screenshot(token, id));
    }
}
