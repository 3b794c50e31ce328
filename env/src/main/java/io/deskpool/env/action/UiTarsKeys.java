package io.deskpool.env.action;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Key names as UI-TARS writes them, turned into pyautogui's: {@code arrowleft} is {@code left} (and so on for the
 * other arrows), {@code space} is {@code ' '}, anything else passes as written (pyautogui lower-cases names itself).
 */
final class UiTarsKeys {
    /** A {@code +} with a character on each side joins keys; a lone {@code +} (or a trailing one) is the key. */
    private static final Pattern PLUS_BETWEEN_KEYS = Pattern.compile("(?<=.)\\+(?=.)");

    private UiTarsKeys() {
    }

    /**
     * One key. The reference maps the arrows only for {@code hotkey} and {@code keydown}/{@code keyup} of the newer
     * parser, and only in lower case; mapping them everywhere and in any case only turns keys pyautogui would
     * ignore into the keys meant.
     */
    static String key(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "arrowleft" -> "left";
            case "arrowright" -> "right";
            case "arrowup" -> "up";
            case "arrowdown" -> "down";
            case "space" -> " ";
            default -> name;
        };
    }

    /**
     * The keys of a {@code hotkey(key='ctrl c')}: split at spaces as the reference does, and also at {@code +}
     * between names ({@code ctrl+c}), which the reference passes to pyautogui as one unknown key that does nothing.
     */
    static List<String> combination(String keys) {
        List<String> result = new ArrayList<>();
        for (String token : keys.strip().split("\\s+")) {
            for (String part : PLUS_BETWEEN_KEYS.split(token)) {
                if (!part.isEmpty()) {
                    result.add(key(part));
                }
            }
        }
        return result;
    }
}
