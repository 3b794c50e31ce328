package io.deskpool.server.env;

import io.deskpool.env.EnvEngine;
import io.deskpool.env.ResetOptions;
import io.deskpool.env.ResetResult;
import io.deskpool.env.SessionView;
import io.deskpool.env.StepRequest;
import io.deskpool.env.TaskConfig;
import io.deskpool.env.spi.ActionParser;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * Deskpool's own session API, {@code /v1/sessions}: create (and reset) a session, reset it again, step it with an
 * action (pyautogui by default, or any parser's input), evaluate it, fetch its screen, close it. Each session view
 * carries its VM's endpoints, so a client can also drive the VM directly.
 */
final class SessionApi {
    private final EnvEngine engine;
    private final Function<Context, String> clientToken;
    private final SessionJson json;
    private final Duration maxWait;
    private final boolean screenshotUrls;
    private final int maxCopies;

    /**
     * @param maxWait   the longest reset wait a request may ask for
     * @param maxCopies the most copies a fork may ask for (POOL_SIZE)
     */
    SessionApi(EnvEngine engine, Function<Context, String> clientToken, SessionJson json, Duration maxWait,
               boolean screenshotUrls, int maxCopies) {
        this.engine = engine;
        this.clientToken = clientToken;
        this.json = json;
        this.maxWait = maxWait;
        this.screenshotUrls = screenshotUrls;
        this.maxCopies = maxCopies;
    }

    void register(Javalin app) {
        app.post("/v1/sessions", this::create);
        app.get("/v1/sessions", ctx -> ctx.json(Map.of("sessions",
                engine.list(clientToken.apply(ctx)).stream().map(json::session).toList())));
        app.get("/v1/sessions/{id}", ctx -> ctx.json(json.session(engine.view(clientToken.apply(ctx), ctx.pathParam("id")))));
        app.post("/v1/sessions/{id}/reset", this::reset);
        app.post("/v1/sessions/{id}/step", this::step);
        app.post("/v1/sessions/{id}/evaluate", ctx -> ctx.json(json.evaluation(
                engine.evaluate(clientToken.apply(ctx), ctx.pathParam("id")))));
        app.post("/v1/sessions/{id}/fork", this::fork);
        app.get("/v1/sessions/{id}/screenshot", ctx -> ctx.contentType("image/png")
                .result(engine.screenshot(clientToken.apply(ctx), ctx.pathParam("id")).png()));
        app.delete("/v1/sessions/{id}", ctx -> {
            SessionView closed = engine.close(clientToken.apply(ctx), ctx.pathParam("id"));
            ctx.json(Map.of("session_id", closed.id(), "closed", true,
                    "released_vm_id", closed.vm().map(SessionView.Vm::vmId).orElse("")));
        });
    }

    /** {@code POST /v1/sessions}: a new session, reset at once; a reset that fails leaves no session behind. */
    private void create(Context ctx) {
        String token = clientToken.apply(ctx);
        EnvRequest req = EnvRequest.of(ctx);
        Reset r = reset(req);
        String id = engine.open(token).id();
        ResetResult result;
        try {
            result = engine.reset(token, id, r.task(), r.options());
        } catch (RuntimeException e) {
            engine.close(token, id);
            throw e;
        }
        ctx.status(201).json(json.reset(result, r.urls()));
    }

    private void reset(Context ctx) {
        String token = clientToken.apply(ctx);
        Reset r = reset(EnvRequest.of(ctx));
        ctx.json(json.reset(engine.reset(token, ctx.pathParam("id"), r.task(), r.options()), r.urls()));
    }

    private record Reset(TaskConfig task, ResetOptions options, boolean urls) {
    }

    /** Every field checked before anything happens. */
    private Reset reset(EnvRequest req) {
        TaskConfig task = req.has("task_config") ? TaskConfig.parse(req.object("task_config")) : TaskConfig.BLANK;
        boolean urls = req.choice("screenshot", "base64", "url").map(s -> s.equals("url")).orElse(screenshotUrls);
        var options = new ResetOptions(req.integer("max_steps", 1, 100_000), req.seconds("wait_seconds", maxWait),
                req.bool("require_a11y_tree").orElse(false), !urls);
        return new Reset(task, options, urls);
    }

    /** {@code POST /v1/sessions/{id}/fork {count}}: 201 {@code {sessions}} carrying the episode on, or none at all. */
    private void fork(Context ctx) {
        String token = clientToken.apply(ctx);
        EnvRequest req = EnvRequest.of(ctx);
        int count = req.integer("count", 1, maxCopies).orElseThrow(() -> EnvRequest.bad("field 'count' is required "
                + "(a whole number from 1 to " + maxCopies + ", POOL_SIZE)"));
        ctx.status(201).json(Map.of("sessions", engine.fork(token, ctx.pathParam("id"), count).stream()
                .map(json::session).toList()));
    }

    private void step(Context ctx) {
        String token = clientToken.apply(ctx);
        EnvRequest req = EnvRequest.of(ctx);
        String action = req.string("action");
        ActionParser parser = req.optionalString("parser").map(engine.parsers()::named)
                .orElseGet(() -> engine.parsers().named("pyautogui"));
        boolean urls = req.choice("screenshot", "base64", "url").map(s -> s.equals("url")).orElse(screenshotUrls);
        var request = new StepRequest(action, parser, req.seconds("pause", Duration.ofSeconds(60)),
                req.bool("require_a11y_tree"), req.seconds("timeout", engine.config().stepTimeout())
                .filter(t -> !t.isZero()), StepRequest.Unparsable.REFUSE, !urls);
        ctx.json(json.step(engine.step(token, ctx.pathParam("id"), request), urls));
    }
}
