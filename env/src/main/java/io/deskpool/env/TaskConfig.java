package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.eval.EvaluatorSpec;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * An OSWorld task ({@code evaluation_examples/examples/<domain>/<id>.json}): its id, instruction, the
 * {@code config} steps that set the desktop up, and the {@code evaluator}. Parsed and checked whole before a
 * VM is touched; other fields (snapshot, related_apps, proxy...) are ignored.
 */
public record TaskConfig(String id, String instruction, List<SetupStep> config, Optional<EvaluatorSpec> evaluator,
                         List<SetupStep> postconfig, JsonNode raw) {
    public static final TaskConfig BLANK = new TaskConfig("", "", List.of(), Optional.empty(), List.of(),
            EnvJson.MAPPER.createObjectNode());

    public TaskConfig {
        requireNonNull(id, "id is null");
        requireNonNull(instruction, "instruction is null");
        config = List.copyOf(config);
        requireNonNull(evaluator, "evaluator is null");
        postconfig = List.copyOf(postconfig);
        raw = requireNonNull(raw, "raw is null").deepCopy();
    }

    /** Parses and checks a task whole; a bad one is a 400 naming what is wrong, before any VM is touched. */
    public static TaskConfig parse(JsonNode task) {
        if (task == null || task.isMissingNode() || task.isNull()) {
            return BLANK;
        }
        if (!task.isObject()) {
            throw EnvFailure.INVALID_TASK_CONFIG.exception("task_config must be an OSWorld task object");
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
        return new TaskConfig(text(task, "id"), text(task, "instruction"), config, spec, post, task);
    }

    private static String text(JsonNode task, String field) {
        JsonNode v = task.path(field);
        return v.isValueNode() && !v.isNull() ? v.asText() : "";
    }
}
