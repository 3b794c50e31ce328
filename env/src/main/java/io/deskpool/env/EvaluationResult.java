package io.deskpool.env;

import java.time.Duration;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A scored episode.
 *
 * @param metrics   the metrics that ran (OSWorld stops early under "and"/"or") and who scored each
 * @param decidedBy why the score was decided without metrics ("infeasible", "last action was FAIL"), or ""
 * @param repeated  true when this is the kept score of an earlier evaluate of the same episode
 */
public record EvaluationResult(SessionView session, String taskId, double score, List<MetricScore> metrics,
                               String decidedBy, Duration took, boolean repeated) {
    /** One metric's score and who gave it ("builtin" or "external"). */
    public record MetricScore(int index, String func, double score, String by) {
        public MetricScore {
            requireNonNull(func, "func is null");
            requireNonNull(by, "by is null");
        }
    }

    public EvaluationResult {
        requireNonNull(session, "session is null");
        requireNonNull(taskId, "taskId is null");
        metrics = List.copyOf(metrics);
        requireNonNull(decidedBy, "decidedBy is null");
        requireNonNull(took, "took is null");
    }

    EvaluationResult withSession(SessionView now) {
        return new EvaluationResult(now, taskId, score, metrics, decidedBy, took, repeated);
    }

    EvaluationResult asRepeat(SessionView now) {
        return new EvaluationResult(now, taskId, score, metrics, decidedBy, took, true);
    }
}
