package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.core.DeskpoolException;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * One entry of a task's {@code config} (or an evaluator's {@code postconfig}): {@code {"type", "parameters"}}
 * as OSWorld's SetupController reads it. Parsing checks the type and the parameters each type needs, so a bad
 * task is refused before any VM is touched.
 */
public record SetupStep(String where, String type, ObjectNode parameters) {
    static final Set<String> TYPES = Set.of("execute", "command", "launch", "sleep", "open", "download", "upload_file",
            "activate_window", "close_window", "change_wallpaper", "chrome_open_tabs");

    public SetupStep {
        requireNonNull(where, "where is null");
        requireNonNull(type, "type is null");
        requireNonNull(parameters, "parameters is null");
    }

    /** Parses a list of steps; {@code field} names it in errors ({@code config}, {@code evaluator.postconfig}). */
    static List<SetupStep> parseAll(JsonNode list, String field) {
        if (list == null || list.isMissingNode() || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw bad(field + " must be a list of {\"type\", \"parameters\"} objects");
        }
        List<SetupStep> steps = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            steps.add(parse(list.get(i), field + "[" + i + "]"));
        }
        return List.copyOf(steps);
    }

    static SetupStep parse(JsonNode node, String where) {
        if (!node.isObject()) {
            throw bad(where + " must be an object {\"type\", \"parameters\"}");
        }
        JsonNode t = node.path("type");
        if (!t.isTextual() || t.asText().isBlank()) {
            throw bad(where + ".type must be a string");
        }
        String type = t.asText();
        if (!TYPES.contains(type)) {
            throw EnvFailure.UNKNOWN_SETUP_STEP.exception(where + ": unknown setup step type '" + type
                    + "' (supported: " + String.join(", ", TYPES.stream().sorted().toList()) + ")",
                    Map.of("step_type", type), null);
        }
        JsonNode p = node.path("parameters");
        if (p.isMissingNode() || p.isNull()) {
            p = EnvJson.MAPPER.createObjectNode();
        }
        if (!p.isObject()) {
            throw bad(where + ".parameters must be an object");
        }
        SetupStep step = new SetupStep(where, type, (ObjectNode) p);
        step.check();
        return step;
    }

    private void check() {
        switch (type) {
            case "execute", "command", "launch" -> requireCommand("command");
            case "sleep" -> {
                JsonNode s = parameters.path("seconds");
                if (!s.isNumber() || s.asDouble() < 0) {
                    throw bad(where + " (sleep): parameters.seconds must be a number >= 0");
                }
            }
            case "open", "change_wallpaper" -> requireText("path");
            case "activate_window", "close_window" -> requireText("window_name");
            case "download" -> eachFile((f, at) -> {
                requireText(f, at, "path");
                String url = requireText(f, at, "url");
                if (!isHttpUrl(url)) {
                    throw bad(where + " (download): " + at + ".url must be an http(s) URL, got '" + RedactedUrl.of(url) + "'");
                }
            });
            case "upload_file" -> eachFile((f, at) -> {
                requireText(f, at, "path");
                boolean local = f.path("local_path").isTextual();
                boolean inline = f.path("content").isTextual() || f.path("content_base64").isTextual();
                if (local == inline) {
                    throw bad(where + " (upload_file): " + at + " needs exactly one of local_path, content, content_base64");
                }
            });
            case "chrome_open_tabs" -> {
                JsonNode urls = parameters.path("urls_to_open");
                if (!urls.isArray() || urls.isEmpty()) {
                    throw bad(where + " (chrome_open_tabs): parameters.urls_to_open must be a non-empty list of URLs");
                }
                for (JsonNode u : urls) {
                    if (!u.isTextual()) {
                        throw bad(where + " (chrome_open_tabs): parameters.urls_to_open must hold strings");
                    }
                }
            }
            default -> throw new IllegalStateException("unchecked type " + type);
        }
    }

    private void requireCommand(String field) {
        JsonNode c = parameters.path(field);
        boolean ok = (c.isTextual() && !c.asText().isBlank()) || (c.isArray() && !c.isEmpty());
        if (ok && c.isArray()) {
            for (JsonNode w : c) {
                ok &= w.isTextual();
            }
        }
        if (!ok) {
            throw bad(where + " (" + type + "): parameters." + field + " must be a non-empty string or list of strings");
        }
    }

    private void requireText(String field) {
        requireText(parameters, "parameters", field);
    }

    private String requireText(JsonNode obj, String at, String field) {
        JsonNode v = obj.path(field);
        if (!v.isTextual() || v.asText().isBlank()) {
            throw bad(where + " (" + type + "): " + at + "." + field + " must be a non-empty string");
        }
        return v.asText();
    }

    private interface FileCheck {
        void check(JsonNode file, String at);
    }

    private void eachFile(FileCheck check) {
        JsonNode files = parameters.path("files");
        if (!files.isArray() || files.isEmpty()) {
            throw bad(where + " (" + type + "): parameters.files must be a non-empty list");
        }
        for (int i = 0; i < files.size(); i++) {
            if (!files.get(i).isObject()) {
                throw bad(where + " (" + type + "): parameters.files[" + i + "] must be an object");
            }
            check.check(files.get(i), "parameters.files[" + i + "]");
        }
    }

    static boolean isHttpUrl(String url) {
        try {
            URI u = URI.create(url);
            return ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme())) && u.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static DeskpoolException bad(String message) {
        return EnvFailure.INVALID_TASK_CONFIG.exception(message);
    }
}
