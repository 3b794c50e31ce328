package io.deskpool.env;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A finished reset: the session with its clean VM, the task, the first observation (empty when not asked for)
 * and what setup did.
 *
 * @param evaluatorProblem why evaluate will refuse this task (a metric the server lacks), told now so a client
 *                         does not spend an episode on a task it cannot score
 * @param repeated         true when this answers a retried reset with the result of an identical one that finished
 *                         while the retry waited (the client had given up on it)
 */
public record ResetResult(SessionView session, String instruction, Optional<Observation> observation,
                          List<SetupReport> setup, Duration acquireTime, Duration setupTime,
                          Optional<String> evaluatorProblem, boolean repeated) {
    public ResetResult {
        requireNonNull(session, "session is null");
        requireNonNull(instruction, "instruction is null");
        requireNonNull(observation, "observation is null");
        setup = List.copyOf(setup);
        requireNonNull(acquireTime, "acquireTime is null");
        requireNonNull(setupTime, "setupTime is null");
        requireNonNull(evaluatorProblem, "evaluatorProblem is null");
    }

    ResetResult asRepeat(SessionView now) {
        return new ResetResult(now, instruction, observation, setup, acquireTime, setupTime, evaluatorProblem, true);
    }
}
