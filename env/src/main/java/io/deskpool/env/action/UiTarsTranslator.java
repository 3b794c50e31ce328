package io.deskpool.env.action;

import io.deskpool.env.spi.GuestAction;

import java.util.List;
import java.util.Locale;

/**
 * Turns one UI-TARS action into pyautogui code, as the reference ({@code parsing_response_to_pyautogui_code}
 * with {@code input_swap=False}, ARPO's setting) does:
 * <ul>
 *   <li>{@code click}/{@code left_single}: {@code pyautogui.click(x, y, button='left')}; {@code left_double}:
 *       {@code pyautogui.doubleClick(x, y, button='left')}; {@code right_single}:
 *       {@code pyautogui.click(x, y, button='right')}; {@code hover}: {@code pyautogui.moveTo(x, y)}; the point is
 *       the centre of {@code start_box};</li>
 *   <li>{@code drag}/{@code select}: {@code pyautogui.moveTo(sx, sy)} then
 *       {@code pyautogui.dragTo(ex, ey, duration=1.0)};</li>
 *   <li>{@code type}: {@code pyautogui.write(text, interval=0.1)} and {@code time.sleep(0.5)}; trailing newlines
 *       (a real one or a written {@code \n}) are cut and become {@code pyautogui.press('enter')};</li>
 *   <li>{@code hotkey}: {@code pyautogui.hotkey(...)} of the space-separated keys; {@code press},
 *       {@code keydown}/{@code keyup} (and {@code release}): {@code pyautogui.press}, {@code keyDown},
 *       {@code keyUp};</li>
 *   <li>{@code scroll}: {@code pyautogui.scroll(5)} up, {@code scroll(-5)} down, at the centre of
 *       {@code start_box} when given ({@code x=..., y=...});</li>
 *   <li>{@code wait}: WAIT; {@code finished}: DONE; {@code call_user} and {@code error_env}: FAIL.</li>
 * </ul>
 *
 * <p>Deviations, each because the reference's output is broken or does nothing:
 * <ul>
 *   <li>typed text is written as a proper Python literal; the reference pastes it raw between quotes with only
 *       {@code '} escaped, so a backslash or an inner newline changes or breaks the code;</li>
 *   <li>only trailing newlines are cut from typed text; the reference's {@code rstrip("\\n")} also eats trailing
 *       {@code n} and backslash characters when the text ends in a written {@code \n};</li>
 *   <li>{@code scroll} left and right emit {@code pyautogui.hscroll(-5)} / {@code hscroll(5)}; the reference emits
 *       nothing for them;</li>
 *   <li>{@code press} emits {@code pyautogui.press(key)}; ARPO's parser crashes on it (an unbound variable) and
 *       the newer UI-TARS one emits a {@code keyDown} that is never released;</li>
 *   <li>an action that would emit no code (unknown name, no box, empty text or keys, no scroll direction) is an
 *       error here; the reference runs an empty step and rewards its format;</li>
 *   <li>the code has no {@code import} lines and no docstring holding the thought: the engine runs it with
 *       OSWorld's {@code import pyautogui; import time} prefix, and the test guest does not take bare string
 *       statements;</li>
 *   <li>key names are mapped as {@link UiTarsKeys} says (arrows everywhere, {@code ctrl+c} split); text with a
 *       NUL or half a surrogate pair, and chords of more than {@value PythonCall#MAX_ARGUMENTS} keys, are errors.</li>
 * </ul>
 */
final class UiTarsTranslator {
    static final List<String> ACTIONS = List.of("click", "left_single", "left_double", "right_single", "hover", "drag",
            "select", "type", "hotkey", "press", "keydown", "keyup", "release", "scroll", "wait", "finished",
            "call_user", "error_env");
    private static final String SCROLL_CLICKS = "5";

    private final ScreenMapping screen;

    UiTarsTranslator(ScreenMapping screen) {
        this.screen = screen;
    }

    GuestAction translate(UiTarsCall call) throws ParseFailure {
        return switch (call.function()) {
            case "click", "left_single" -> click(call, "pyautogui.click", "left");
            case "left_double" -> click(call, "pyautogui.doubleClick", "left");
            case "right_single" -> click(call, "pyautogui.click", "right");
            case "hover" -> {
                ScreenPoint at = start(call);
                yield code(PythonCall.of("pyautogui.moveTo").literal(at.xLiteral()).literal(at.yLiteral()));
            }
            case "drag", "select" -> drag(call);
            case "type" -> type(call);
            case "hotkey" -> hotkey(call);
            case "press" -> key(call, "pyautogui.press", "key", "press");
            case "keydown" -> key(call, "pyautogui.keyDown", "key", "press");
            case "keyup", "release" -> key(call, "pyautogui.keyUp", "key", "press");
            case "scroll" -> scroll(call);
            case "wait" -> new GuestAction.Wait();
            case "finished" -> new GuestAction.Done();
            case "call_user", "error_env" -> new GuestAction.Fail();
            default -> throw new ParseFailure("unknown action " + ParseFailure.excerpt(call.function()) + "; UI-TARS actions are "
                    + String.join(", ", ACTIONS));
        };
    }

    private GuestAction click(UiTarsCall call, String function, String button) throws ParseFailure {
        ScreenPoint at = start(call);
        return code(PythonCall.of(function).literal(at.xLiteral()).literal(at.yLiteral()).keywordString("button", button));
    }

    private GuestAction drag(UiTarsCall call) throws ParseFailure {
        ScreenPoint from = start(call);
        ScreenPoint to = point(call, "end_box", "end_point");
        return code(PythonCall.of("pyautogui.moveTo").literal(from.xLiteral()).literal(from.yLiteral()),
                PythonCall.of("pyautogui.dragTo").literal(to.xLiteral()).literal(to.yLiteral()).keyword("duration", "1.0"));
    }

    private GuestAction type(UiTarsCall call) throws ParseFailure {
        String content = PythonStringLiteral.requireTypable(call.argument("content")
                .orElseThrow(() -> new ParseFailure("type() needs content='...'")), "type() content");
        int end = content.length();
        while (end > 0 && (content.charAt(end - 1) == '\n' || content.startsWith("\\n", end - 2))) {
            end -= content.charAt(end - 1) == '\n' ? 1 : 2;
        }
        String text = content.substring(0, end);
        boolean enter = end < content.length();
        PythonCall write = PythonCall.of("pyautogui.write").string(text).keyword("interval", "0.1");
        PythonCall pause = PythonCall.of("time.sleep").literal("0.5");
        return enter ? code(write, pause, PythonCall.of("pyautogui.press").string("enter")) : code(write, pause);
    }

    private GuestAction hotkey(UiTarsCall call) throws ParseFailure {
        List<String> keys = UiTarsKeys.combination(PythonStringLiteral.requireTypable(
                call.argument("key", "hotkey").orElse(""), "hotkey() key"));
        if (keys.isEmpty()) {
            throw new ParseFailure("hotkey() needs key='...', e.g. key='ctrl c'");
        }
        if (keys.size() > PythonCall.MAX_ARGUMENTS) {
            throw new ParseFailure("hotkey() has " + keys.size() + " keys, more than " + PythonCall.MAX_ARGUMENTS);
        }
        PythonCall hotkey = PythonCall.of("pyautogui.hotkey");
        keys.forEach(hotkey::string);
        return code(hotkey);
    }

    private static GuestAction key(UiTarsCall call, String function, String... names) throws ParseFailure {
        String key = PythonStringLiteral.requireTypable(call.argument(names).map(String::strip).orElse(""),
                call.function() + "() key");
        if (key.isEmpty()) {
            throw new ParseFailure(call.function() + "() needs key='...'");
        }
        return code(PythonCall.of(function).string(UiTarsKeys.key(key)));
    }

    private GuestAction scroll(UiTarsCall call) throws ParseFailure {
        String direction = call.argument("direction").orElse("").toLowerCase(Locale.ROOT);
        PythonCall scroll;
        if (direction.contains("up")) {
            scroll = PythonCall.of("pyautogui.scroll").literal(SCROLL_CLICKS);
        } else if (direction.contains("down")) {
            scroll = PythonCall.of("pyautogui.scroll").literal("-" + SCROLL_CLICKS);
        } else if (direction.contains("left")) {
            scroll = PythonCall.of("pyautogui.hscroll").literal("-" + SCROLL_CLICKS);
        } else if (direction.contains("right")) {
            scroll = PythonCall.of("pyautogui.hscroll").literal(SCROLL_CLICKS);
        } else {
            throw new ParseFailure("scroll() needs direction='up', 'down', 'left' or 'right'");
        }
        if (call.argument("start_box", "start_point", "point").isPresent()) {
            ScreenPoint at = start(call);
            scroll.keyword("x", at.xLiteral()).keyword("y", at.yLiteral());
        }
        return code(scroll);
    }

    private ScreenPoint start(UiTarsCall call) throws ParseFailure {
        return point(call, "start_box", "start_point", "point");
    }

    private ScreenPoint point(UiTarsCall call, String... names) throws ParseFailure {
        String box = call.argument(names)
                .orElseThrow(() -> new ParseFailure(call.function() + "() needs " + names[0] + "='(x,y)'"));
        return screen.centreOf(Box.parse(box));
    }

    private static GuestAction code(PythonCall... statements) {
        return new GuestAction.Code(PythonCall.lines(statements));
    }
}
