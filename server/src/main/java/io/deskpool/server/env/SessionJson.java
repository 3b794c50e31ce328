package io.deskpool.server.env;

import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.env.EvaluationResult;
import io.deskpool.env.Observation;
import io.deskpool.env.ResetResult;
import io.deskpool.env.SessionView;
import io.deskpool.env.SetupReport;
import io.deskpool.env.StepResult;
import io.deskpool.env.spi.GuestAction;
import io.deskpool.env.spi.StepOutcome;

import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The JSON shapes of {@code /v1/sessions}: a session, and the results of reset, step and evaluate. */
final class SessionJson {
    private final Function<VmEndpoints, String> advertisedHost;

    /** @param advertisedHost the host clients should use for a VM's ports (PUBLIC_HOST for loopback ones) */
    SessionJson(Function<VmEndpoints, String> advertisedHost) {
        this.advertisedHost = advertisedHost;
    }

    Map<String, Object> session(SessionView v) {
        var m = new LinkedHashMap<String, Object>();
        m.put("session_id", v.id());
        v.slot().ifPresent(k -> m.put("slot", k));
        m.put("state", v.state().name().toLowerCase(Locale.ROOT));
        m.put("vm", v.vm().map(this::vm).orElse(null));
        m.put("task_id", v.taskId());
        m.put("step", v.step());
        m.put("max_steps", v.maxSteps());
        v.score().ifPresent(s -> m.put("score", s));
        m.put("created_at", v.createdAt().toString());
        m.put("last_used", v.lastUsed().toString());
        if (!v.note().isEmpty()) {
            m.put("note", v.note());
        }
        return m;
    }

    private Map<String, Object> vm(SessionView.Vm vm) {
        var e = new LinkedHashMap<String, Object>();
        e.put("host", advertisedHost.apply(vm.endpoints()));
        e.put("server_port", vm.endpoints().serverPort());
        e.put("chromium_port", vm.endpoints().cdpPort());
        e.put("vnc_port", vm.endpoints().vncPort());
        e.put("vlc_port", vm.endpoints().vlcPort());
        var m = new LinkedHashMap<String, Object>();
        m.put("vm_id", vm.vmId());
        m.put("endpoints", e);
        m.put("lease_expires_at", vm.leaseExpiresAt().toString());
        return m;
    }

    Map<String, Object> reset(ResetResult r, boolean screenshotUrl) {
        var info = new LinkedHashMap<String, Object>();
        info.put("acquire_seconds", seconds(r.acquireTime()));
        info.put("setup_seconds", seconds(r.setupTime()));
        info.put("setup", r.setup().stream().map(SessionJson::setupStep).toList());
        r.evaluatorProblem().ifPresent(p -> info.put("evaluator_problem", p));
        if (r.repeated()) {
            info.put("repeated", true);
        }
        var m = new LinkedHashMap<String, Object>();
        m.put("session", session(r.session()));
        m.put("instruction", r.instruction());
        m.put("observation", observation(r.session().id(), r.observation(), screenshotUrl));
        m.put("info", info);
        return m;
    }

    Map<String, Object> step(StepResult r, boolean screenshotUrl) {
        var parsed = new LinkedHashMap<String, Object>();
        parsed.put("thought", r.parsed().thought().orElse(null));
        parsed.put("actions", r.parsed().actions().stream().map(SessionJson::action).toList());
        parsed.put("error", r.parsed().error());
        var m = new LinkedHashMap<String, Object>();
        m.put("session", session(r.session()));
        m.put("step", r.step());
        m.put("max_steps", r.maxSteps());
        m.put("done", r.done());
        m.put("ended_by", r.endedBy().orElse(null));
        m.put("reward", r.reward());
        m.put("parsed", parsed);
        m.put("executed", r.executed().stream().map(SessionJson::executed).toList());
        m.put("observation", observation(r.session().id(), r.observation(), screenshotUrl));
        m.put("seconds", seconds(r.took()));
        return m;
    }

    Map<String, Object> evaluation(EvaluationResult r) {
        var m = new LinkedHashMap<String, Object>();
        m.put("session", session(r.session()));
        m.put("task_id", r.taskId());
        m.put("score", r.score());
        m.put("metrics", r.metrics().stream().map(x -> {
            var s = new LinkedHashMap<String, Object>();
            s.put("index", x.index());
            s.put("func", x.func());
            s.put("score", x.score());
            s.put("by", x.by());
            return s;
        }).toList());
        m.put("decided_by", r.decidedBy());
        m.put("seconds", seconds(r.took()));
        return m;
    }

    private static Object observation(String sessionId, Optional<Observation> o, boolean url) {
        if (o.isEmpty() && !url) {
            return null;
        }
        var m = new LinkedHashMap<String, Object>();
        if (url) {
            m.put("screenshot_url", "/v1/sessions/" + sessionId + "/screenshot");
        } else {
            m.put("screenshot", Base64.getEncoder().encodeToString(o.get().screenshot().png()));
        }
        o.ifPresent(x -> {
            m.put("width", x.screenshot().width());
            m.put("height", x.screenshot().height());
            x.accessibilityTree().ifPresent(t -> m.put("accessibility_tree", t));
        });
        return m;
    }

    private static Map<String, Object> setupStep(SetupReport s) {
        var m = new LinkedHashMap<String, Object>();
        m.put("step", s.where());
        m.put("type", s.type());
        m.put("seconds", seconds(s.took()));
        m.put("ok", s.ok());
        if (!s.detail().isEmpty()) {
            m.put("detail", s.detail());
        }
        return m;
    }

    static Map<String, Object> action(GuestAction a) {
        var m = new LinkedHashMap<String, Object>();
        if (a instanceof GuestAction.Code c) {
            m.put("type", "code");
            m.put("pyautogui", c.pyautogui());
        } else {
            m.put("type", a instanceof GuestAction.Wait ? "wait" : a instanceof GuestAction.Done ? "done" : "fail");
        }
        return m;
    }

    private static Map<String, Object> executed(StepOutcome.Executed e) {
        var m = new LinkedHashMap<String, Object>(action(e.action()));
        m.put("returncode", e.returncode());
        if (!e.error().isEmpty()) {
            m.put("error", e.error());
        }
        return m;
    }

    static double seconds(Duration d) {
        return Math.round(d.toNanos() / 1_000_000.0) / 1000.0;
    }
}
