package io.deskpool.env.action;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.env.spi.GuestAction;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Turns one action dict of OSWorld's {@code computer_13} action space into pyautogui code, as OSWorld's
 * {@code PythonController.execute_action} does. Parameters are the {@code parameters} object when there is one,
 * else the dict's other fields. Coordinates are screen pixels, written as given.
 *
 * <p>Deviations:
 * <ul>
 *   <li>{@code MOVE_TO} emits {@code pyautogui.moveTo(x, y)}: OSWorld adds a random duration and a random tween
 *       ({@code pyautogui.easeInQuad} and others), which the test guest cannot read (a name, not a literal) and
 *       which would make the code differ on every call;</li>
 *   <li>keys and texts are written as Python literals; OSWorld pastes keys raw between quotes
 *       ({@code press('''')} for the quote key);</li>
 *   <li>checked here, not left to fail in the VM: a {@code button} must be {@code left}, {@code right} or
 *       {@code middle}, {@code num_clicks} 1, 2 or 3 (the ranges {@code actions.py} declares), numbers must be
 *       numbers within {@value Box#MAX_ABS_COORDINATE}, {@code HOTKEY} needs at least one key, {@code DRAG_TO}
 *       needs {@code x} and {@code y} (OSWorld silently does nothing without them).</li>
 * </ul>
 */
final class Computer13Translator {
    static final List<String> ACTION_TYPES = List.of("MOVE_TO", "CLICK", "MOUSE_DOWN", "MOUSE_UP", "RIGHT_CLICK",
            "DOUBLE_CLICK", "DRAG_TO", "SCROLL", "TYPING", "PRESS", "KEY_DOWN", "KEY_UP", "HOTKEY", "WAIT", "FAIL",
            "DONE");
    private static final Set<String> BUTTONS = Set.of("left", "right", "middle");
    private static final BigDecimal MAX_ABS = BigDecimal.valueOf(Box.MAX_ABS_COORDINATE);

    private Computer13Translator() {
    }

    static GuestAction translate(JsonNode action) throws ParseFailure {
        if (!action.isObject()) {
            throw new ParseFailure("an action must be a JSON object with an action_type, got " + kind(action));
        }
        JsonNode type = action.get("action_type");
        if (type == null || !type.isTextual()) {
            throw new ParseFailure("an action needs \"action_type\" (a string), one of " + String.join(", ", ACTION_TYPES));
        }
        String actionType = type.textValue();
        ObjectNode parameters = parameters((ObjectNode) action);
        return switch (actionType) {
            case "WAIT" -> new GuestAction.Wait();
            case "DONE" -> new GuestAction.Done();
            case "FAIL" -> new GuestAction.Fail();
            case "MOVE_TO" -> pointer(parameters, "pyautogui.moveTo", actionType, true);
            case "CLICK" -> click(parameters);
            case "MOUSE_DOWN" -> button(parameters, "pyautogui.mouseDown", actionType);
            case "MOUSE_UP" -> button(parameters, "pyautogui.mouseUp", actionType);
            case "RIGHT_CLICK" -> pointer(parameters, "pyautogui.rightClick", actionType, false);
            case "DOUBLE_CLICK" -> pointer(parameters, "pyautogui.doubleClick", actionType, false);
            case "DRAG_TO" -> dragTo(parameters);
            case "SCROLL" -> scroll(parameters);
            case "TYPING" -> code(PythonCall.of("pyautogui.typewrite")
                    .string(PythonStringLiteral.requireTypable(text(parameters, "text", actionType), "TYPING text")));
            case "PRESS" -> code(PythonCall.of("pyautogui.press").string(key(parameters, actionType)));
            case "KEY_DOWN" -> code(PythonCall.of("pyautogui.keyDown").string(key(parameters, actionType)));
            case "KEY_UP" -> code(PythonCall.of("pyautogui.keyUp").string(key(parameters, actionType)));
            case "HOTKEY" -> hotkey(parameters);
            default -> throw new ParseFailure("unknown action_type " + ParseFailure.excerpt(actionType)
                    + "; computer_13 has " + String.join(", ", ACTION_TYPES));
        };
    }

    private static ObjectNode parameters(ObjectNode action) throws ParseFailure {
        JsonNode nested = action.get("parameters");
        if (nested != null) {
            if (!nested.isObject()) {
                throw new ParseFailure("\"parameters\" must be an object, got " + kind(nested));
            }
            return (ObjectNode) nested;
        }
        ObjectNode flat = action.deepCopy();
        flat.remove("action_type");
        return flat;
    }

    /** MOVE_TO, RIGHT_CLICK, DOUBLE_CLICK: no parameters, or x and y ({@code positional}: as moveTo(x, y)). */
    private static GuestAction pointer(ObjectNode p, String function, String actionType, boolean positional)
            throws ParseFailure {
        if (p.isEmpty()) {
            return code(PythonCall.of(function));
        }
        if (!p.has("x") || !p.has("y")) {
            throw new ParseFailure(actionType + " takes x and y, or no parameters");
        }
        PythonCall call = PythonCall.of(function);
        return code(positional ? call.literal(number(p, "x")).literal(number(p, "y"))
                : call.keyword("x", number(p, "x")).keyword("y", number(p, "y")));
    }

    private static GuestAction click(ObjectNode p) throws ParseFailure {
        if (p.isEmpty()) {
            return code(PythonCall.of("pyautogui.click"));
        }
        boolean button = p.has("button");
        boolean x = p.has("x");
        boolean y = p.has("y");
        if (x != y || (!button && !x)) {
            throw new ParseFailure("CLICK takes button, x and y (both or neither), num_clicks; or no parameters");
        }
        PythonCall call = PythonCall.of("pyautogui.click");
        if (button) {
            call.keywordString("button", button(p));
        }
        if (x) {
            call.keyword("x", number(p, "x")).keyword("y", number(p, "y"));
        }
        if (p.has("num_clicks")) {
            call.keyword("clicks", clicks(p));
        }
        return code(call);
    }

    private static GuestAction button(ObjectNode p, String function, String actionType) throws ParseFailure {
        if (p.isEmpty()) {
            return code(PythonCall.of(function));
        }
        if (!p.has("button")) {
            throw new ParseFailure(actionType + " takes a button, or no parameters");
        }
        return code(PythonCall.of(function).keywordString("button", button(p)));
    }

    private static GuestAction dragTo(ObjectNode p) throws ParseFailure {
        if (!p.has("x") || !p.has("y")) {
            throw new ParseFailure("DRAG_TO needs x and y");
        }
        return code(PythonCall.of("pyautogui.dragTo").literal(number(p, "x")).literal(number(p, "y"))
                .keyword("duration", "1.0").keywordString("button", "left").keyword("mouseDownUp", "True"));
    }

    /** Horizontal then vertical, each its own call as OSWorld runs them. */
    private static GuestAction scroll(ObjectNode p) throws ParseFailure {
        List<PythonCall> calls = new ArrayList<>();
        if (p.has("dx")) {
            calls.add(PythonCall.of("pyautogui.hscroll").literal(number(p, "dx")));
        }
        if (p.has("dy")) {
            calls.add(PythonCall.of("pyautogui.vscroll").literal(number(p, "dy")));
        }
        if (calls.isEmpty()) {
            throw new ParseFailure("SCROLL needs dx, dy or both");
        }
        return code(calls.toArray(PythonCall[]::new));
    }

    private static GuestAction hotkey(ObjectNode p) throws ParseFailure {
        JsonNode keys = p.get("keys");
        if (keys == null || !keys.isArray() || keys.isEmpty()) {
            throw new ParseFailure("HOTKEY needs \"keys\", a list of keys such as [\"ctrl\", \"c\"]");
        }
        if (keys.size() > PythonCall.MAX_ARGUMENTS) {
            throw new ParseFailure("HOTKEY has " + keys.size() + " keys, more than " + PythonCall.MAX_ARGUMENTS);
        }
        PythonCall call = PythonCall.of("pyautogui.hotkey");
        for (Iterator<JsonNode> it = keys.elements(); it.hasNext(); ) {
            JsonNode key = it.next();
            if (!key.isTextual() || !OsworldKeys.contains(key.textValue())) {
                throw new ParseFailure("HOTKEY: " + describeKey(key) + " is not one of OSWorld's KEYBOARD_KEYS");
            }
            call.string(key.textValue());
        }
        return code(call);
    }

    private static String key(ObjectNode p, String actionType) throws ParseFailure {
        String key = text(p, "key", actionType);
        if (!OsworldKeys.contains(key)) {
            throw new ParseFailure(actionType + ": key " + ParseFailure.excerpt(key) + " is not one of OSWorld's KEYBOARD_KEYS");
        }
        return key;
    }

    private static String text(ObjectNode p, String name, String actionType) throws ParseFailure {
        JsonNode value = p.get(name);
        if (value == null || !value.isTextual()) {
            throw new ParseFailure(actionType + " needs \"" + name + "\", a string");
        }
        return value.textValue();
    }

    private static String button(ObjectNode p) throws ParseFailure {
        JsonNode value = p.get("button");
        if (value == null || !value.isTextual() || !BUTTONS.contains(value.textValue())) {
            throw new ParseFailure("button must be \"left\", \"right\" or \"middle\"");
        }
        return value.textValue();
    }

    private static String clicks(ObjectNode p) throws ParseFailure {
        JsonNode value = p.get("num_clicks");
        if (value == null || !value.isIntegralNumber() || value.bigIntegerValue().compareTo(BigInteger.ONE) < 0
                || value.bigIntegerValue().compareTo(BigInteger.valueOf(3)) > 0) {
            throw new ParseFailure("num_clicks must be 1, 2 or 3");
        }
        return value.bigIntegerValue().toString();
    }

    /**
     * A number as Python code: integers as integers, floats as Python writes them. A string holding a number is
     * taken as that number (OSWorld pastes the value into the code, so it works there too).
     */
    private static String number(ObjectNode p, String name) throws ParseFailure {
        JsonNode value = p.get(name);
        BigDecimal decimal;
        boolean integral;
        if (value != null && value.isNumber() && !(value.isFloatingPointNumber() && !Double.isFinite(value.doubleValue()))) {
            decimal = value.decimalValue();
            integral = value.isIntegralNumber();
        } else if (value != null && value.isTextual() && PythonFloat.DECIMAL.matcher(value.textValue().strip()).matches()) {
            String s = value.textValue().strip();
            decimal = new BigDecimal(s.startsWith("+") ? s.substring(1) : s);
            integral = s.chars().allMatch(c -> Character.isDigit(c) || c == '-' || c == '+');
        } else {
            throw new ParseFailure(name + " must be a number, got " + (value == null ? "nothing" : kind(value)));
        }
        if (decimal.abs().compareTo(MAX_ABS) > 0) {
            throw new ParseFailure(name + " is out of range: " + decimal.toPlainString());
        }
        return integral ? decimal.toBigIntegerExact().toString() : PythonFloat.repr(decimal.doubleValue());
    }

    private static String describeKey(JsonNode key) {
        return key.isTextual() ? ParseFailure.excerpt(key.textValue()) : kind(key);
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT, POJO -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case BINARY, MISSING -> "nothing";
        };
    }

    private static GuestAction code(PythonCall... statements) {
        return new GuestAction.Code(PythonCall.lines(statements));
    }
}
