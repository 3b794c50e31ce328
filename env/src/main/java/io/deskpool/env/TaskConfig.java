package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.env.eval.EvaluatorSpec;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * An OSWorld task ({@code evaluation_examples/examples/<domain>/<id>.json}): its id, instruction, the
 * {@code config} steps that set the desktop up, and the {@code evaluator}. Parsed and checked whole before a
 * VM is touched; other fields (snapshot, related_apps, proxy...) are ignored.
 */
record TaskConfig(String id, String instruction, List<SetupStep> config, Optional<EvaluatorSpec> evaluator,
                  List<SetupStep> postconfig) {
    static final TaskConfig BLANK = new TaskConfig("", "", List.of(), Optional.empty(), List.of());

    TaskConfig {
        requireNonNull(id, "id is null");
        requireNonNull(instruction, "instruction is null");
        config = List.copyOf(config);
        requireNonNull(evaluator, "evaluator is null");
        postconfig = List.copyOf(postconfig);
    }

    static TaskConfig parse(JsonNode task) {
        if (task == null || task.isMissingNode() || task.isNull()) {
            return BLANK;
        }
        if (!task.isObject()) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "task_config must be an OSWorld task object",
                    Map.of("reason", "invalid_task_config"), null);
        }
        List<SetupStep> config = SetupStep.parseAll(task.path("config"), "config");
        JsonNode e = task.path("evaluator");
        Optional<EvaluatorSpec> spec = Optional.empty();
        List<SetupStep> post = List.of();
        if (!e.isMissingNode() && !e.isNull()) {
            EvaluatorSpec parsed = EvaluatorSpec.parse(e);
            post = SetupStep.parseAll(parsed.postconfig(), "evaluator.postconfig");
            spec = Optional.of(parsed);
        }
        return new TaskConfig(text(task, "id"), text(task, "instruction"), config, spec, post);
    }

    private static String text(JsonNode task, String field) {
        JsonNode v = task.path(field);
        return v.isValueNode() && !v.isNull() ? v.asText() : "";
    }
}
