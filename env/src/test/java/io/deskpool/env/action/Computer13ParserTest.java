package io.deskpool.env.action;

import io.deskpool.env.spi.GuestAction;
import io.deskpool.env.spi.ParseContext;
import io.deskpool.env.spi.ParsedPrediction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code computer_13} parser as a table: OSWorld's action dicts and the code its PythonController runs for
 * them. Coordinates are screen pixels in this action space, so the screen size does not enter.
 */
class Computer13ParserTest {
    private static final ParseContext SCREEN = new ParseContext(1280, 720, "relative1000");
    private final Computer13Parser parser = new Computer13Parser();

    static Stream<Arguments> table() {
        return Stream.of(
                row("MOVE_TO moves (deviation: no random duration and tween)",
                        "{\"action_type\": \"MOVE_TO\", \"x\": 100.5, \"y\": 200}", "pyautogui.moveTo(100.5, 200)"),
                row("MOVE_TO without parameters", "{\"action_type\": \"MOVE_TO\"}", "pyautogui.moveTo()"),
                row("CLICK at a place", "{\"action_type\": \"CLICK\", \"x\": 100, \"y\": 200}",
                        "pyautogui.click(x=100, y=200)"),
                row("CLICK with button and clicks",
                        "{\"action_type\": \"CLICK\", \"button\": \"right\", \"x\": 100, \"y\": 200, \"num_clicks\": 2}",
                        "pyautogui.click(button='right', x=100, y=200, clicks=2)"),
                row("CLICK with a button where the mouse is", "{\"action_type\": \"CLICK\", \"button\": \"middle\"}",
                        "pyautogui.click(button='middle')"),
                row("CLICK where the mouse is", "{\"action_type\": \"CLICK\"}", "pyautogui.click()"),
                row("CLICK with parameters nested as OSWorld's agents send them",
                        "{\"action_type\": \"CLICK\", \"parameters\": {\"x\": 7, \"y\": 8, \"num_clicks\": 3}}",
                        "pyautogui.click(x=7, y=8, clicks=3)"),
                row("a number in a string is that number", "{\"action_type\": \"CLICK\", \"x\": \"100\", \"y\": \" 2.50 \"}",
                        "pyautogui.click(x=100, y=2.5)"),
                row("MOUSE_DOWN", "{\"action_type\": \"MOUSE_DOWN\"}", "pyautogui.mouseDown()"),
                row("MOUSE_DOWN with a button", "{\"action_type\": \"MOUSE_DOWN\", \"button\": \"left\"}",
                        "pyautogui.mouseDown(button='left')"),
                row("MOUSE_UP", "{\"action_type\": \"MOUSE_UP\", \"button\": \"right\"}", "pyautogui.mouseUp(button='right')"),
                row("RIGHT_CLICK", "{\"action_type\": \"RIGHT_CLICK\", \"x\": 1, \"y\": 2}", "pyautogui.rightClick(x=1, y=2)"),
                row("DOUBLE_CLICK", "{\"action_type\": \"DOUBLE_CLICK\", \"x\": 1, \"y\": 2}", "pyautogui.doubleClick(x=1, y=2)"),
                row("DOUBLE_CLICK where the mouse is", "{\"action_type\": \"DOUBLE_CLICK\"}", "pyautogui.doubleClick()"),
                row("DRAG_TO", "{\"action_type\": \"DRAG_TO\", \"x\": 300, \"y\": 400}",
                        "pyautogui.dragTo(300, 400, duration=1.0, button='left', mouseDownUp=True)"),
                row("SCROLL both ways: horizontal, then vertical", "{\"action_type\": \"SCROLL\", \"dx\": 0, \"dy\": -3}",
                        "pyautogui.hscroll(0)\npyautogui.vscroll(-3)"),
                row("SCROLL vertically", "{\"action_type\": \"SCROLL\", \"dy\": 5}", "pyautogui.vscroll(5)"),
                row("TYPING types the text", "{\"action_type\": \"TYPING\", \"text\": \"Hello, it's me\\n\"}",
                        "pyautogui.typewrite(\"Hello, it's me\\n\")"),
                row("PRESS", "{\"action_type\": \"PRESS\", \"key\": \"enter\"}", "pyautogui.press('enter')"),
                row("PRESS the quote key (deviation: OSWorld writes press(''''))",
                        "{\"action_type\": \"PRESS\", \"key\": \"'\"}", "pyautogui.press(\"'\")"),
                row("PRESS takes keys in any case, as OSWorld checks them",
                        "{\"action_type\": \"PRESS\", \"key\": \"Enter\"}", "pyautogui.press('Enter')"),
                row("KEY_DOWN", "{\"action_type\": \"KEY_DOWN\", \"key\": \"shift\"}", "pyautogui.keyDown('shift')"),
                row("KEY_UP", "{\"action_type\": \"KEY_UP\", \"key\": \"shift\"}", "pyautogui.keyUp('shift')"),
                row("HOTKEY", "{\"action_type\": \"HOTKEY\", \"keys\": [\"ctrl\", \"shift\", \"t\"]}",
                        "pyautogui.hotkey('ctrl', 'shift', 't')"),
                row("WAIT as a word", "WAIT", "WAIT"),
                row("DONE as a word", "DONE", "DONE"),
                row("FAIL as a dict", "{\"action_type\": \"FAIL\"}", "FAIL"),
                row("a ```json block", "Clicking OK.\n```json\n{\"action_type\": \"CLICK\", \"x\": 5, \"y\": 6}\n```",
                        "pyautogui.click(x=5, y=6)"),
                row("a bare ``` block", "```\n{\"action_type\": \"PRESS\", \"key\": \"tab\"}\n```", "pyautogui.press('tab')"),
                row("each ```json block is one action",
                        "```json\n{\"action_type\": \"CLICK\"}\n```\n```json\n{\"action_type\": \"DONE\"}\n```",
                        "pyautogui.click()", "DONE"));
    }

    private static Arguments row(String behaviour, String prediction, String... actions) {
        return Arguments.of(behaviour, prediction, List.of(actions));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void model_output_becomes_these_actions(String behaviour, String prediction, List<String> actions) {
        ParsedPrediction parsed = parser.parse(prediction, SCREEN);

        assertThat(parsed.error()).isEmpty();
        assertThat(RenderedActions.of(parsed)).containsExactlyElementsOf(actions);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void every_row_runs_on_the_test_guest(String behaviour, String prediction, List<String> actions) {
        for (GuestAction action : parser.parse(prediction, SCREEN).actions()) {
            if (action instanceof GuestAction.Code code) {
                assertThat(GuestPythonSubset.problems(code.pyautogui())).as(code.pyautogui()).isEmpty();
            }
        }
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("click the OK button", "not a JSON action"),
                Arguments.of("{\"action_type\": \"CLICK\", \"x\": 1", "not a JSON action"),
                Arguments.of("{\"action_type\": \"CLICK\"} trailing", "not a JSON action"),
                Arguments.of("[{\"action_type\": \"CLICK\"}]", "must be a JSON object"),
                Arguments.of("{\"x\": 1, \"y\": 2}", "needs \"action_type\""),
                Arguments.of("{\"action_type\": \"TAP\", \"x\": 1, \"y\": 2}", "unknown action_type 'TAP'"),
                Arguments.of("{\"action_type\": \"click\", \"x\": 1, \"y\": 2}", "unknown action_type 'click'"),
                Arguments.of("{\"action_type\": \"CLICK\", \"x\": 1}", "CLICK takes button, x and y"),
                Arguments.of("{\"action_type\": \"CLICK\", \"num_clicks\": 2}", "CLICK takes button, x and y"),
                Arguments.of("{\"action_type\": \"CLICK\", \"button\": \"side\"}", "button must be"),
                Arguments.of("{\"action_type\": \"CLICK\", \"x\": 1, \"y\": 2, \"num_clicks\": 5}", "num_clicks must be 1, 2 or 3"),
                Arguments.of("{\"action_type\": \"CLICK\", \"x\": true, \"y\": 2}", "x must be a number, got a boolean"),
                Arguments.of("{\"action_type\": \"CLICK\", \"x\": \"os.system('x')\", \"y\": 2}", "x must be a number, got a string"),
                Arguments.of("{\"action_type\": \"CLICK\", \"x\": 1e9, \"y\": 2}", "x is out of range"),
                Arguments.of("{\"action_type\": \"MOVE_TO\", \"y\": 2}", "MOVE_TO takes x and y"),
                Arguments.of("{\"action_type\": \"MOUSE_DOWN\", \"x\": 2}", "MOUSE_DOWN takes a button"),
                Arguments.of("{\"action_type\": \"DRAG_TO\", \"x\": 2}", "DRAG_TO needs x and y"),
                Arguments.of("{\"action_type\": \"SCROLL\"}", "SCROLL needs dx, dy or both"),
                Arguments.of("{\"action_type\": \"TYPING\"}", "TYPING needs \"text\""),
                Arguments.of("{\"action_type\": \"TYPING\", \"text\": \"a\\u0000\"}", "no keyboard types"),
                Arguments.of("{\"action_type\": \"PRESS\", \"key\": \"superkey\"}", "not one of OSWorld's KEYBOARD_KEYS"),
                Arguments.of("{\"action_type\": \"HOTKEY\", \"keys\": []}", "HOTKEY needs \"keys\""),
                Arguments.of("{\"action_type\": \"HOTKEY\", \"keys\": \"ctrl c\"}", "HOTKEY needs \"keys\""),
                Arguments.of("{\"action_type\": \"HOTKEY\", \"keys\": [\"ctrl\", 3]}", "a number is not one of"),
                Arguments.of("{\"action_type\": \"CLICK\", \"parameters\": [1, 2]}", "\"parameters\" must be an object"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("malformed")
    void malformed_output_is_not_parsed_and_says_why(String prediction, String why) {
        ParsedPrediction parsed = parser.parse(prediction, SCREEN);

        assertThat(parsed.parsed()).isFalse();
        assertThat(parsed.error()).contains(why);
    }

    @Test
    void one_bad_block_makes_the_whole_answer_unparsed() {
        ParsedPrediction parsed = parser.parse(
                "```json\n{\"action_type\": \"CLICK\"}\n```\n```json\n{\"action_type\": \"JUMP\"}\n```", SCREEN);

        assertThat(parsed.actions()).isEmpty();
        assertThat(parsed.error()).contains("JUMP");
    }

    @Test
    void is_registered_as_computer_13() {
        assertThat(parser.name()).isEqualTo("computer_13");
    }
}
