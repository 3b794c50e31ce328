package io.deskpool.env.standin;

import io.deskpool.env.spi.ActionParser;
import io.deskpool.env.spi.GuestAction;
import io.deskpool.env.spi.ParseContext;
import io.deskpool.env.spi.ParsedPrediction;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TEST STAND-IN for the {@code uitars} parser (branch {@code parsers} writes the real one). Reads only what the
 * engine's tests send: {@code Thought: ... Action: click(start_box='(x,y)')}, {@code type(content='...')},
 * {@code hotkey(key='...')}, {@code wait()}, {@code finished(...)}, {@code call_user()}, with qwen25vl points
 * mapped from the smart-resized screenshot to the screen. Deleted once the real parser is on main.
 */
public final class StandInUiTarsParser implements ActionParser {
    private static final Pattern CLICK = Pattern.compile("^click\\(start_box='(?:<\\|box_start\\|>)?\\((\\d+),\\s*(\\d+)\\)(?:<\\|box_end\\|>)?'\\)$");
    private static final Pattern TYPE = Pattern.compile("^type\\(content='(.*)'\\)$", Pattern.DOTALL);
    private static final Pattern HOTKEY = Pattern.compile("^hotkey\\(key='([a-z ]+)'\\)$");

    @Override
    public String name() {
        return "uitars";
    }

    @Override
    public ParsedPrediction parse(String prediction, ParseContext ctx) {
        String text = prediction.strip();
        int at = text.lastIndexOf("Action:");
        if (at < 0) {
            return new ParsedPrediction(Optional.empty(), List.of(), "no 'Action:' in the prediction");
        }
        Optional<String> thought = text.startsWith("Thought:")
                ? Optional.of(text.substring("Thought:".length(), text.indexOf("Action:")).strip()) : Optional.empty();
        List<GuestAction> actions = new ArrayList<>();
        for (String a : text.substring(at + "Action:".length()).strip().split("\n\n")) {
            a = a.strip();
            Matcher m;
            if ((m = CLICK.matcher(a)).matches()) {
                int[] resized = smartResize(ctx.screenHeight(), ctx.screenWidth());
                double x = Double.parseDouble(m.group(1)) / resized[1] * ctx.screenWidth();
                double y = Double.parseDouble(m.group(2)) / resized[0] * ctx.screenHeight();
                actions.add(new GuestAction.Code(String.format(Locale.ROOT, "pyautogui.click(%.3f, %.3f, button='left')", x, y)));
            } else if ((m = TYPE.matcher(a)).matches()) {
                String content = m.group(1).replace("\\n", "\n");
                boolean enter = content.endsWith("\n");
                String body = (enter ? content.substring(0, content.length() - 1) : content)
                        .replace("\\", "\\\\").replace("'", "\\'");
                actions.add(new GuestAction.Code("pyautogui.write('" + body + "', interval=0.1)" + (enter ? "\npyautogui.press('enter')" : "")));
            } else if ((m = HOTKEY.matcher(a)).matches()) {
                StringBuilder keys = new StringBuilder();
                for (String k : m.group(1).split(" ")) {
                    keys.append(keys.length() == 0 ? "" : ", ").append('\'').append(k).append('\'');
                }
                actions.add(new GuestAction.Code("pyautogui.hotkey(" + keys + ")"));
            } else if (a.startsWith("finished(")) {
                actions.add(new GuestAction.Done());
            } else if (a.equals("wait()")) {
                actions.add(new GuestAction.Wait());
            } else if (a.startsWith("call_user(")) {
                actions.add(new GuestAction.Fail());
            } else {
                return new ParsedPrediction(thought, List.of(), "cannot parse action: " + a);
            }
        }
        return new ParsedPrediction(thought, actions, "");
    }

    /** Qwen2.5-VL's smart_resize (factor 28, 100*28*28 to 16384*28*28 pixels): {height, width}. */
    private static int[] smartResize(int height, int width) {
        int factor = 28;
        long min = 100L * 28 * 28;
        long max = 16384L * 28 * 28;
        int h = Math.max(factor, (int) Math.round((double) height / factor) * factor);
        int w = Math.max(factor, (int) Math.round((double) width / factor) * factor);
        if ((long) h * w > max) {
            double beta = Math.sqrt((double) height * width / max);
            h = (int) Math.floor(height / beta / factor) * factor;
            w = (int) Math.floor(width / beta / factor) * factor;
        } else if ((long) h * w < min) {
            double beta = Math.sqrt((double) min / ((double) height * width));
            h = (int) Math.ceil(height * beta / factor) * factor;
            w = (int) Math.ceil(width * beta / factor) * factor;
        }
        return new int[]{h, w};
    }
}
