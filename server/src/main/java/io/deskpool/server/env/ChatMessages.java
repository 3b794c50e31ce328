package io.deskpool.server.env;

import io.deskpool.env.EpisodeTranscript;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * An episode as the ARPO/ENVS wire format's chat: a system message, the user prompt (the template with the task's
 * instruction), the first screenshot, then per step the assistant's raw prediction and the screenshot after it.
 * Text items are {@code {type: text, text}}, screenshots {@code {type: image, b64, min_pixels, max_pixels}} with
 * the JPEG in base64 (the client prefixes {@code data:image/jpeg;base64,}).
 */
final class ChatMessages {
    private final String systemMessage;
    private final String promptTemplate;
    private final int minPixels;
    private final int maxPixels;

    ChatMessages(String systemMessage, String promptTemplate, int minPixels, int maxPixels) {
        this.systemMessage = requireNonNull(systemMessage, "systemMessage is null");
        this.promptTemplate = requireNonNull(promptTemplate, "promptTemplate is null");
        if (minPixels < 1 || maxPixels < minPixels) {
            throw new IllegalArgumentException("need 1 <= min_pixels <= max_pixels, got " + minPixels + ", " + maxPixels);
        }
        this.minPixels = minPixels;
        this.maxPixels = maxPixels;
    }

    /** The user prompt for an instruction: the template with {@code {instruction}} replaced, nothing else. */
    String prompt(String instruction) {
        return promptTemplate.replace("{instruction}", instruction);
    }

    List<Map<String, Object>> of(EpisodeTranscript t) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (t.isEmpty()) {
            return out;
        }
        out.add(message("system", text(systemMessage)));
        out.add(message("user", text(prompt(t.instruction()))));
        t.firstScreenshot().ifPresent(jpeg -> out.add(message("user", image(jpeg))));
        for (EpisodeTranscript.Turn turn : t.turns()) {
            out.add(message("assistant", text(turn.prediction())));
            turn.screenshot().ifPresent(jpeg -> out.add(message("user", image(jpeg))));
        }
        return out;
    }

    private static Map<String, Object> message(String role, Map<String, Object> content) {
        var m = new LinkedHashMap<String, Object>();
        m.put("role", role);
        m.put("content", List.of(content));
        return m;
    }

    private static Map<String, Object> text(String text) {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", "text");
        m.put("text", text);
        return m;
    }

    private Map<String, Object> image(byte[] jpeg) {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", "image");
        m.put("b64", Base64.getEncoder().encodeToString(jpeg));
        m.put("min_pixels", minPixels);
        m.put("max_pixels", maxPixels);
        return m;
    }
}
