package io.deskpool.server.env;

import io.deskpool.env.EnvEngine;
import io.deskpool.env.EvaluationResult;
import io.deskpool.env.ResetOptions;
import io.deskpool.env.SessionView;
import io.deskpool.env.StepRequest;
import io.deskpool.env.StepResult;
import io.deskpool.env.TaskConfig;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The remote env server's wire format, as ARPO's {@code RemoteEnvWorker} and ENVS's {@code ENVSEnvClient} call it:
 * {@code POST /env/reset {task_config}}, {@code /env/step {prediction}} (both answer {@code {env_idx, obs_messages,
 * is_done, format_reward}}), {@code /env/evaluate} (a bare number), {@code /env/history_messages}, {@code GET
 * /health}. A caller's slot is a session of its token: ENVS names it with {@code slot_id} in every body (and then
 * gets evaluate as {@code {"score"}}); an unmodified ARPO worker gets its own base URL {@code /slots/{k}}; neither
 * means slot 0. Unknown body fields are ignored, as the original servers ignore them.
 */
final class RemoteEnvApi {
    private final EnvEngine engine;
    private final EnvCallers callers;
    private final ChatMessages chat;
    private final EnvHealth health;
    private final Predicate<Context> admin;
    private final int maxCopies;

    /** @param maxCopies the most target slots one fork may name (POOL_SIZE) */
    RemoteEnvApi(EnvEngine engine, EnvCallers callers, ChatMessages chat, EnvHealth health, Predicate<Context> admin,
                 int maxCopies) {
        this.engine = engine;
        this.callers = callers;
        this.chat = chat;
        this.health = health;
        this.admin = admin;
        this.maxCopies = maxCopies;
    }

    void register(Javalin app) {
        for (String prefix : List.of("", "/slots/{slot}")) {
            app.post(prefix + "/env/reset", this::reset);
            app.post(prefix + "/env/step", this::step);
            app.post(prefix + "/env/evaluate", this::evaluate);
            app.post(prefix + "/env/fork", this::fork);
            app.post(prefix + "/env/history_messages", this::history);
            app.get(prefix + "/env/history_messages", this::history);
            app.get(prefix + "/health", ctx -> ctx.json(health.report(admin.test(ctx))));
        }
    }

    /**
     * Who calls, for which slot, in which dialect, with which body. Handlers check the body before they ask for
     * the slot's session, so a bad request leaves nothing behind.
     */
    private final class Call {
        final String token;
        final int slot;
        final boolean envs;
        final EnvRequest body;

        Call(String token, int slot, boolean envs, EnvRequest body) {
            this.token = token;
            this.slot = slot;
            this.envs = envs;
            this.body = body;
        }

        String sessionId() {
            return engine.slot(token, slot).id();
        }
    }

    private Call call(Context ctx) {
        String token = callers.token(ctx);
        EnvRequest body = ctx.method() == HandlerType.GET ? EnvRequest.empty() : EnvRequest.of(ctx);
        if (body.has("session_id")) {
            throw EnvRequest.bad("the session_id form of /env/* is gone: sessions are /v1/sessions now, and /env/* "
                    + "speaks the ARPO/ENVS format (slot_id in the body, or the base URL /slots/{k})");
        }
        Optional<Integer> inPath = Optional.ofNullable(ctx.pathParamMap().get("slot")).map(RemoteEnvApi::slotNumber);
        Optional<Integer> inBody = ctx.method() == HandlerType.GET
                ? Optional.ofNullable(ctx.queryParam("slot_id")).map(RemoteEnvApi::slotNumber)
                : body.integer("slot_id", 0, Integer.MAX_VALUE);
        if (inPath.isPresent() && inBody.isPresent() && !inPath.equals(inBody)) {
            throw EnvRequest.bad("slot_id " + inBody.get() + " in the request does not match the slot " + inPath.get()
                    + " of the URL");
        }
        int slot = inPath.or(() -> inBody).orElse(0);
        return new Call(token, slot, inBody.isPresent(), body);
    }

    private static int slotNumber(String text) {
        try {
            int k = Integer.parseInt(text.strip());
            if (k >= 0) {
                return k;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw EnvRequest.bad("slot must be a whole number >= 0, got '" + text + "'");
    }

    private void reset(Context ctx) {
        Call c = call(ctx);
        TaskConfig task = TaskConfig.parse(c.body.object("task_config"));
        engine.reset(c.token, c.sessionId(), task, new ResetOptions(Optional.empty(), Optional.empty(), false, true));
        ctx.json(answer(c, false, 0.0));
    }

    private void step(Context ctx) {
        Call c = call(ctx);
        String prediction = c.body.string("prediction");
        c.body.number("noise_probability"); // ENVS sends it; checked, then ignored as its own server does
        StepResult r = engine.step(c.token, c.sessionId(), new StepRequest(prediction, engine.parsers().chosen(),
                Optional.empty(), Optional.empty(), Optional.empty(), StepRequest.Unparsable.END_EPISODE, false));
        ctx.json(answer(c, r.done(), r.reward()));
    }

    private Map<String, Object> answer(Call c, boolean done, double formatReward) {
        var m = new LinkedHashMap<String, Object>();
        m.put("env_idx", c.slot);
        m.put("obs_messages", done ? null : chat.of(engine.transcript(c.token, c.sessionId())));
        m.put("is_done", done);
        m.put("format_reward", formatReward);
        return m;
    }

    private void evaluate(Context ctx) {
        Call c = call(ctx);
        EvaluationResult r = engine.evaluate(c.token, c.sessionId());
        if (c.envs) {
            ctx.json(Map.of("score", r.score()));
        } else {
            ctx.json(r.score());
        }
    }

    /**
     * {@code POST /env/fork {slot_id, target_slot_ids}}: the target slots carry the source slot's episode on from
     * its current step, on copies of its VM, so a tree search branches without replaying actions. Answers as a
     * replay does ({@code success}, {@code steps_completed}), with the slots.
     */
    private void fork(Context ctx) {
        Call c = call(ctx);
        List<Integer> targets = c.body.integers("target_slot_ids", 0, EnvEngine.MAX_SLOT, maxCopies);
        List<SessionView> copies = engine.forkSlots(c.token, c.slot, targets);
        var m = new LinkedHashMap<String, Object>();
        m.put("success", true);
        m.put("env_idx", c.slot);
        m.put("slot_id", c.slot);
        m.put("target_slot_ids", targets);
        m.put("steps_completed", copies.get(0).step());
        m.put("is_done", copies.get(0).state() == SessionView.State.DONE);
        ctx.json(m);
    }

    private void history(Context ctx) {
        Call c = call(ctx);
        List<Map<String, Object>> messages = chat.of(engine.transcript(c.token, c.sessionId()));
        var m = new LinkedHashMap<String, Object>();
        m.put("history_messages", messages);
        if (c.envs) {
            m.put("messages", messages);
            m.put("history", messages);
        }
        ctx.json(m);
    }
}
