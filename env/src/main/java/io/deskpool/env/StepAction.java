package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One action of OSWorld's {@code pyautogui} action space: the special {@code WAIT}, {@code FAIL} and
 * {@code DONE}, or Python code that the VM runs as {@code python -c "import pyautogui; import time;
 * pyautogui.FAILSAFE = False; CODE"}, after OSWorld's fix for pyautogui typing {@code >} for {@code <}.
 */
record StepAction(Kind kind, String code) {
    enum Kind { WAIT, FAIL, DONE, PYAUTOGUI }

    static final int MAX_CODE_CHARS = 100_000;
    private static final String PREFIX = "import pyautogui; import time; pyautogui.FAILSAFE = False; ";
    private static final Pattern PRESS_LESS_THAN = Pattern.compile("pyautogui\\.press\\([\"'](?:<|\\\\u003c)[\"']\\)");
    private static final Pattern TYPEWRITE = Pattern.compile("pyautogui\\.typewrite\\(([\"'])(.*?)\\1\\)");

    static StepAction parse(JsonNode action) {
        if (action == null || action.isMissingNode() || action.isNull()) {
            throw bad("field 'action' is required: pyautogui code, or WAIT, FAIL or DONE");
        }
        if (!action.isTextual()) {
            throw bad("field 'action' must be a string (OSWorld's pyautogui action space)");
        }
        String a = action.asText();
        String t = a.strip();
        if (t.isEmpty()) {
            throw bad("field 'action' is empty");
        }
        if (a.length() > MAX_CODE_CHARS) {
            throw bad("field 'action' is longer than " + MAX_CODE_CHARS + " characters");
        }
        return switch (t) {
            case "WAIT" -> new StepAction(Kind.WAIT, "");
            case "FAIL" -> new StepAction(Kind.FAIL, "");
            case "DONE" -> new StepAction(Kind.DONE, "");
            default -> new StepAction(Kind.PYAUTOGUI, a);
        };
    }

    /** The label OSWorld's action history would hold, for the evaluator's "last action was FAIL" rule. */
    String label() {
        return kind == Kind.PYAUTOGUI ? code : kind.name();
    }

    /** The {@code /execute} command for pyautogui code. */
    JsonNode command() {
        ArrayNode c = JsonNodeFactory.instance.arrayNode();
        c.add("python").add("-c").add(PREFIX + fixLessThan(code));
        return c;
    }

    /**
     * OSWorld's {@code _fix_pyautogui_less_than_bug}: {@code press('<')} becomes {@code hotkey("shift", ",")} and a
     * {@code typewrite} of text with {@code <} is split around such hotkeys.
     */
    static String fixLessThan(String code) {
        String s = PRESS_LESS_THAN.matcher(code).replaceAll(Matcher.quoteReplacement("pyautogui.hotkey(\"shift\", \",\")"));
        Matcher m = TYPEWRITE.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String quote = m.group(1);
            String content = m.group(2).replace("\\u003c", "<");
            if (!content.contains("<")) {
                m.appendReplacement(out, Matcher.quoteReplacement(m.group(0)));
                continue;
            }
            String[] parts = content.split("<", -1);
            StringBuilder rebuilt = new StringBuilder();
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    append(rebuilt, "pyautogui.hotkey(\"shift\", \",\")");
                }
                if (!parts[i].isEmpty()) {
                    append(rebuilt, "pyautogui.typewrite(" + quote + parts[i] + quote + ")");
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(rebuilt.toString()));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static void append(StringBuilder b, String statement) {
        if (b.length() > 0) {
            b.append("; ");
        }
        b.append(statement);
    }

    private static DeskpoolException bad(String message) {
        return new DeskpoolException(ErrorCode.INVALID_ARGUMENT, message, Map.of("reason", "invalid_action"), null);
    }
}
