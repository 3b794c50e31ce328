package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python/pyautogui code as OSWorld's controller runs it through the in-VM server's {@code /execute}:
 * {@code python -c "import pyautogui; import time; pyautogui.FAILSAFE = False; CODE"}, after OSWorld's fix for
 * pyautogui typing {@code >} for {@code <}.
 */
final class PythonCommand {
    private static final String PREFIX = "import pyautogui; import time; pyautogui.FAILSAFE = False; ";
    private static final Pattern PRESS_LESS_THAN = Pattern.compile("pyautogui\\.press\\([\"'](?:<|\\\\u003c)[\"']\\)");
    private static final Pattern TYPEWRITE = Pattern.compile("pyautogui\\.typewrite\\(([\"'])(.*?)\\1\\)");

    private PythonCommand() {
    }

    /** The {@code /execute} command for {@code code}. */
    static JsonNode of(String code) {
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
}
