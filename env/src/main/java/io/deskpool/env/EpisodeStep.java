package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.env.spi.GuestAccess;
import io.deskpool.env.spi.GuestAction;
import io.deskpool.env.spi.ParseContext;
import io.deskpool.env.spi.ParsedPrediction;
import io.deskpool.env.spi.StepOutcome;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A step: the parser reads the model's output, each action runs in the VM as OSWorld's {@code DesktopEnv.step}
 * runs it (code through {@code /execute} then the pause; WAIT pauses; DONE and FAIL end the episode), every action
 * counts toward the step limit as in ARPO, then one observation and the step reward. A prediction with no
 * parsable action ends the episode as DONE (ARPO's rule), unless the caller asked to have it refused.
 */
final class EpisodeStep {
    private static final int MAX_ERROR_CHARS = 2000;

    private final EnvConfig config;
    private final SessionLeases leases;
    private final StepRewards rewards;
    private final JpegEncoder jpeg;

    EpisodeStep(EnvConfig config, SessionLeases leases, StepRewards rewards, JpegEncoder jpeg) {
        this.config = config;
        this.leases = leases;
        this.rewards = rewards;
        this.jpeg = jpeg;
    }

    /** Steps {@code s} (its lock held). */
    StepResult run(EnvSession s, StepRequest req) {
        if (s.slotLike && s.evaluation != null) {
            throw EnvFailure.EPISODE_DONE.exception("the episode was evaluated (score " + s.evaluation.score()
                    + ") and its VM given back: reset to start the next one");
        }
        leases.renew(s);
        if (s.task == null) {
            throw EnvFailure.NOT_RESET.exception("the session has no episode: reset it first");
        }
        if (s.done) {
            throw EnvFailure.EPISODE_DONE.exception("the episode is over (" + (s.steps >= s.maxSteps
                    ? "max_steps " + s.maxSteps + " reached" : "last action " + label(s.lastAction))
                    + "): evaluate it or reset the session");
        }
        if (req.prediction().length() > StepRequest.MAX_PREDICTION_CHARS) {
            throw EnvFailure.INVALID_ACTION.exception("the prediction is longer than " + StepRequest.MAX_PREDICTION_CHARS
                    + " characters");
        }
        ParsedPrediction parsed = ActionParsers.parse(req.parser(), req.prediction(),
                new ParseContext(s.screen.width(), s.screen.height(), config.coordinates()));
        if (!parsed.parsed() && req.onUnparsable() == StepRequest.Unparsable.REFUSE) {
            throw EnvFailure.INVALID_ACTION.exception("parser '" + req.parser().name() + "' found no action: " + parsed.error());
        }
        long t0 = System.nanoTime();
        Deadline d = Deadline.after(req.timeout().orElse(config.stepTimeout()));
        Duration pause = req.pause().orElse(config.stepPause());
        List<GuestAction> actions = parsed.parsed() ? parsed.actions() : List.of(new GuestAction.Done());
        List<StepOutcome.Executed> executed = new ArrayList<>();
        Optional<String> endedBy = Optional.empty();
        Optional<Observation> observation = Optional.empty();
        s.evaluation = null;
        try {
            for (GuestAction a : actions) {
                if (s.done) {
                    break;
                }
                executed.add(execute(s, a, d, pause));
                s.steps++;
                s.lastAction = a instanceof GuestAction.Code c ? c.pyautogui() : label(a);
                if (a instanceof GuestAction.Done || a instanceof GuestAction.Fail) {
                    s.done = true;
                    endedBy = Optional.of(a instanceof GuestAction.Done ? "done" : "fail");
                } else if (s.steps >= s.maxSteps) {
                    s.done = true;
                    endedBy = Optional.of("max_steps");
                }
            }
            if (!parsed.parsed()) {
                endedBy = Optional.of("unparsable");
            }
            if (d.expired()) {
                throw new GuestException(GuestException.Kind.TIMEOUT, 0, "the step took longer than its deadline", null);
            }
            if (!s.done || req.observeWhenDone()) {
                observation = Optional.of(Observations.take(s, d, req.a11y().orElse(s.a11y)));
            }
        } catch (GuestException e) {
            throw failed(s, e, d);
        }
        if (s.slotLike) {
            s.transcript = s.transcript.plus(new EpisodeTranscript.Turn(req.prediction(),
                    s.done ? Optional.empty() : observation.map(o -> jpeg.encode(o.screenshot().png()))));
        }
        double reward = rewards.reward(new StepOutcome(req.prediction(), parsed, s.steps, s.maxSteps, s.done, executed,
                observation.isPresent()));
        return new StepResult(s.publish(), s.steps, s.maxSteps, s.done, endedBy, parsed, executed, reward, observation,
                Duration.ofNanos(System.nanoTime() - t0));
    }

    private static StepOutcome.Executed execute(EnvSession s, GuestAction a, Deadline d, Duration pause) {
        if (a instanceof GuestAction.Code c) {
            GuestAccess.CommandOutput out = s.guest.execute("/execute", PythonCommand.of(c.pyautogui()), false, d);
            d.sleep(pause);
            return new StepOutcome.Executed(a, out.returncode(), clip(out.error()));
        }
        if (a instanceof GuestAction.Wait) {
            d.sleep(pause);
        }
        return new StepOutcome.Executed(a, 0, "");
    }

    private DeskpoolException failed(EnvSession s, GuestException e, Deadline d) {
        if (e.vmInDoubt()) {
            return leases.vmLost(s, e, "step " + (s.steps + 1), d);
        }
        if (e.kind() == GuestException.Kind.STOPPED_AT_DEADLINE) {
            return EnvFailure.ACTION_TIMED_OUT.exception("the action did not finish within the step's deadline ("
                    + d.budget().toMillis() / 1000.0 + " s) and the VM stopped it: " + e.getMessage(), e);
        }
        return EnvFailure.ACTION_FAILED.exception("the VM refused the action: " + e.getMessage(), e);
    }

    /** The label OSWorld's action history holds, for the evaluator's "last action was FAIL" rule. */
    static String label(GuestAction a) {
        if (a instanceof GuestAction.Code c) {
            return c.pyautogui();
        }
        return a instanceof GuestAction.Wait ? "WAIT" : a instanceof GuestAction.Done ? "DONE" : "FAIL";
    }

    private static String label(String lastAction) {
        return lastAction.length() > 80 ? lastAction.substring(0, 80) + "..." : lastAction;
    }

    private static String clip(String s) {
        return s.length() <= MAX_ERROR_CHARS ? s : s.substring(0, MAX_ERROR_CHARS) + "...";
    }
}
