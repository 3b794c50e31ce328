package io.deskpool.server.env;

import io.deskpool.core.settings.Settings;
import io.deskpool.env.EpisodeTranscript;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    /**
     * The chat the settings describe: ENV_SYSTEM_MESSAGE, the prompt in ENV_PROMPT_FILE (Deskpool's own when unset),
     * ENV_IMAGE_MIN_PIXELS and ENV_IMAGE_MAX_PIXELS.
     *
     * @throws io.deskpool.core.DeskpoolException naming ENV_PROMPT_FILE when the file cannot be read or has no
     *                                            {@code {instruction}}
     */
    static ChatMessages from(Settings settings) {
        return new ChatMessages(settings.string(EnvApiSettings.SYSTEM_MESSAGE), prompt(settings),
                settings.integer(EnvApiSettings.IMAGE_MIN_PIXELS, 1), settings.integer(EnvApiSettings.IMAGE_MAX_PIXELS, 1));
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

    private static String prompt(Settings settings) {
        Optional<String> file = settings.optionalString(EnvApiSettings.PROMPT_FILE);
        if (file.isPresent()) {
            Path p = settings.path(EnvApiSettings.PROMPT_FILE);
            try {
                String text = Files.readString(p, StandardCharsets.UTF_8);
                if (!text.contains("{instruction}")) {
                    throw settings.invalid(EnvApiSettings.PROMPT_FILE, file.get(),
                            "a text file with {instruction} where the task's instruction goes");
                }
                return text;
            } catch (IOException e) {
                throw settings.invalid(EnvApiSettings.PROMPT_FILE, file.get(), "a readable text file (" + e.getMessage() + ")");
            }
        }
        try (InputStream in = ChatMessages.class.getResourceAsStream("default-prompt.txt")) {
            return new String(requireNonNull(in, "default-prompt.txt is missing from the jar").readAllBytes(),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the default prompt", e);
        }
    }
}
