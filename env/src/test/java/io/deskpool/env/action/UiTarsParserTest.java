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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code uitars} parser as a table: model output, screen, coordinate system, and the actions the VM gets.
 * Coordinates for {@code qwen25vl} are pixels of the smart-resized screenshot (1920x1080 and 1280x720 both resize
 * to 1932x1092 and 1288x728, the same scale: 0.99379 wide, 0.98901 high), for {@code relative1000} per mille of
 * the screen. Rows marked "(deviation)" are where the reference emits broken code or nothing; every other row's
 * code is what ARPO's parser emits.
 */
class UiTarsParserTest {
    static final ParseContext FHD_QWEN = new ParseContext(1920, 1080, "qwen25vl");
    static final ParseContext HD_QWEN = new ParseContext(1280, 720, "qwen25vl");
    static final ParseContext FHD_REL = new ParseContext(1920, 1080, "relative1000");
    static final ParseContext HD_REL = new ParseContext(1280, 720, "relative1000");

    private final UiTarsParser parser = new UiTarsParser();

    static Stream<Arguments> table() {
        return Stream.of(
                row("click at a point, 1920x1080 qwen25vl", FHD_QWEN,
                        "Thought: The search box is at the top.\nAction: click(start_box='(500,300)')",
                        "pyautogui.click(496.894, 296.703, button='left')"),
                row("click at a point, 1280x720 qwen25vl", HD_QWEN,
                        "Action: click(start_box='(640,364)')",
                        "pyautogui.click(636.025, 360.0, button='left')"),
                row("click at a point, 1920x1080 relative1000", FHD_REL,
                        "Action: click(start_box='(500,300)')",
                        "pyautogui.click(960.0, 324.0, button='left')"),
                row("click at a point, 1280x720 relative1000", HD_REL,
                        "Action: click(start_box='(250,750)')",
                        "pyautogui.click(320.0, 540.0, button='left')"),
                row("click with box tokens: the resized centre is the screen centre", FHD_QWEN,
                        "Action: click(start_box='<|box_start|>(966,546)<|box_end|>')",
                        "pyautogui.click(960.0, 540.0, button='left')"),
                row("click on a [x1,y1,x2,y2] box clicks its centre", FHD_REL,
                        "Action: click(start_box='[100,200,300,400]')",
                        "pyautogui.click(384.0, 324.0, button='left')"),
                row("click on a (x1,y1,x2,y2) box clicks its centre", HD_QWEN,
                        "Action: click(start_box='(100,100,301,203)')",
                        "pyautogui.click(199.255, 149.835, button='left')"),
                row("click with spaces and decimals in the point", FHD_QWEN,
                        "Action: click(start_box='( 12.5 , 7.25 )')",
                        "pyautogui.click(12.422, 7.17, button='left')"),
                row("click at the resized frame's corner is the screen's corner", HD_QWEN,
                        "Action: click(start_box='(1288,728)')",
                        "pyautogui.click(1280.0, 720.0, button='left')"),
                row("click at 1000 per mille is the screen's corner", HD_REL,
                        "Action: click(start_box='(1000,1000)')",
                        "pyautogui.click(1280.0, 720.0, button='left')"),
                row("click with <point>x y</point> and point=", FHD_REL,
                        "Action: click(point='<point>333 667</point>')",
                        "pyautogui.click(639.36, 720.36, button='left')"),
                row("left_single is click", HD_REL,
                        "Action: left_single(start_box='(333,667)')",
                        "pyautogui.click(426.24, 480.24, button='left')"),
                row("left_double double-clicks, 1920x1080 qwen25vl", FHD_QWEN,
                        "Action: left_double(start_box='(123,456)')",
                        "pyautogui.doubleClick(122.236, 450.989, button='left')"),
                row("left_double double-clicks, 1280x720 relative1000", HD_REL,
                        "Action: left_double(start_box='(123,456)')",
                        "pyautogui.doubleClick(157.44, 328.32, button='left')"),
                row("right_single right-clicks, 1920x1080 qwen25vl", FHD_QWEN,
                        "Action: right_single(start_box='(1500,800)')",
                        "pyautogui.click(1490.683, 791.209, button='right')"),
                row("right_single right-clicks, 1280x720 relative1000", HD_REL,
                        "Action: right_single(start_box='(999,999)')",
                        "pyautogui.click(1278.72, 719.28, button='right')"),
                row("hover moves the mouse", HD_QWEN,
                        "Action: hover(start_box='(77,1001)')",
                        "pyautogui.moveTo(76.522, 990.0)"),
                row("drag moves to the start and drags to the end, 1920x1080 qwen25vl", FHD_QWEN,
                        "Action: drag(start_box='(100,200)', end_box='(400,500)')",
                        "pyautogui.moveTo(99.379, 197.802)\npyautogui.dragTo(397.516, 494.505, duration=1.0)"),
                row("drag, 1280x720 relative1000", HD_REL,
                        "Action: drag(start_box='(100,200)', end_box='(400,500)')",
                        "pyautogui.moveTo(128.0, 144.0)\npyautogui.dragTo(512.0, 360.0, duration=1.0)"),
                row("select is drag", FHD_REL,
                        "Action: select(start_box='(0,0)', end_box='(500,500)')",
                        "pyautogui.moveTo(0.0, 0.0)\npyautogui.dragTo(960.0, 540.0, duration=1.0)"),
                row("scroll down 5 clicks at a point", FHD_QWEN,
                        "Action: scroll(start_box='(700,400)', direction='down')",
                        "pyautogui.scroll(-5, x=695.652, y=395.604)"),
                row("scroll up 5 clicks at a point", HD_QWEN,
                        "Action: scroll(start_box='(700,400)', direction='up')",
                        "pyautogui.scroll(5, x=695.652, y=395.604)"),
                row("scroll down at the centre, relative1000", FHD_REL,
                        "Action: scroll(start_box='(500,500)', direction='down')",
                        "pyautogui.scroll(-5, x=960.0, y=540.0)"),
                row("scroll without a point scrolls where the mouse is", HD_REL,
                        "Action: scroll(direction='up')",
                        "pyautogui.scroll(5)"),
                row("scroll left scrolls horizontally (deviation)", HD_QWEN,
                        "Action: scroll(start_box='(300,200)', direction='left')",
                        "pyautogui.hscroll(-5, x=298.137, y=197.802)"),
                row("scroll right scrolls horizontally (deviation)", FHD_REL,
                        "Action: scroll(direction='right')",
                        "pyautogui.hscroll(5)"),
                row("type writes the text", FHD_QWEN,
                        "Action: type(content='hello world')",
                        "pyautogui.write('hello world', interval=0.1)\ntime.sleep(0.5)"),
                row("type with a trailing \\n presses enter", HD_QWEN,
                        "Action: type(content='deskpool\\n')",
                        "pyautogui.write('deskpool', interval=0.1)\ntime.sleep(0.5)\npyautogui.press('enter')"),
                row("type with a raw trailing newline presses enter", HD_REL,
                        "Action: type(content='deskpool\n')",
                        "pyautogui.write('deskpool', interval=0.1)\ntime.sleep(0.5)\npyautogui.press('enter')"),
                row("type takes an unescaped quote as text", FHD_REL,
                        "Action: type(content='it's here')",
                        "pyautogui.write(\"it's here\", interval=0.1)\ntime.sleep(0.5)"),
                row("type decodes an escaped quote", FHD_QWEN,
                        "Action: type(content='it\\'s here')",
                        "pyautogui.write(\"it's here\", interval=0.1)\ntime.sleep(0.5)"),
                row("type keeps a backslash as a backslash (deviation)", HD_QWEN,
                        "Action: type(content='C:\\\\Users\\\\me')",
                        "pyautogui.write('C:\\\\Users\\\\me', interval=0.1)\ntime.sleep(0.5)"),
                row("type keeps an inner newline inside the string (deviation)", FHD_QWEN,
                        "Action: type(content='line one\\nline two')",
                        "pyautogui.write('line one\\nline two', interval=0.1)\ntime.sleep(0.5)"),
                row("type with text ending in n before \\n keeps the n (deviation)", HD_REL,
                        "Action: type(content='run\\n')",
                        "pyautogui.write('run', interval=0.1)\ntime.sleep(0.5)\npyautogui.press('enter')"),
                row("type drops leading spaces as the reference does", FHD_REL,
                        "Action: type(content='  indented')",
                        "pyautogui.write('indented', interval=0.1)\ntime.sleep(0.5)"),
                row("type with double quotes", HD_REL,
                        "Action: type(content=\"say \\\"hi\\\"\")",
                        "pyautogui.write('say \"hi\"', interval=0.1)\ntime.sleep(0.5)"),
                row("hotkey splits keys at spaces", FHD_QWEN,
                        "Action: hotkey(key='ctrl c')",
                        "pyautogui.hotkey('ctrl', 'c')"),
                row("hotkey also splits at + (deviation)", HD_QWEN,
                        "Action: hotkey(key='ctrl+shift+t')",
                        "pyautogui.hotkey('ctrl', 'shift', 't')"),
                row("hotkey space is the space key", FHD_REL,
                        "Action: hotkey(key='space')",
                        "pyautogui.hotkey(' ')"),
                row("hotkey arrowleft is left", HD_REL,
                        "Action: hotkey(key='arrowleft')",
                        "pyautogui.hotkey('left')"),
                row("press presses one key (deviation: ARPO crashes on press)", FHD_QWEN,
                        "Action: press(key='enter')",
                        "pyautogui.press('enter')"),
                row("press arrowdown presses down", HD_QWEN,
                        "Action: press(key='arrowdown')",
                        "pyautogui.press('down')"),
                row("keydown holds a key", FHD_REL,
                        "Action: keydown(key='shift')",
                        "pyautogui.keyDown('shift')"),
                row("keyup releases it", HD_REL,
                        "Action: keyup(key='shift')",
                        "pyautogui.keyUp('shift')"),
                row("wait is WAIT", FHD_QWEN, "Thought: The page is loading.\nAction: wait()", "WAIT"),
                row("finished is DONE", HD_QWEN, "Action: finished(content='The file is saved.')", "DONE"),
                row("finished with a quote in its content is DONE", HD_QWEN, "Action: finished(content='it's saved')", "DONE"),
                row("call_user is FAIL", FHD_REL, "Action: call_user()", "FAIL"),
                row("several actions run in order", FHD_QWEN,
                        "Thought: Click the field, then type.\nAction: click(start_box='(10,20)')\n\ntype(content='hi')",
                        "pyautogui.click(9.938, 19.78, button='left')",
                        "pyautogui.write('hi', interval=0.1)\ntime.sleep(0.5)"),
                row("finished among several actions replaces them with DONE", FHD_QWEN,
                        "Action: click(start_box='(10,20)')\n\nfinished(content='ok')",
                        "DONE"),
                row("the last Action: counts", HD_REL,
                        "Action: click(start_box='(1,1)')\nAction: click(start_box='(500,500)')",
                        "pyautogui.click(640.0, 360.0, button='left')"),
                row("a missing closing parenthesis is supplied", FHD_REL,
                        "Action: click(start_box='(500,500)'",
                        "pyautogui.click(960.0, 540.0, button='left')"),
                row("surrounding white space does not matter", HD_QWEN,
                        "\n  Thought: ok\n\nAction:   click( start_box = '(644,364)' )  \n",
                        "pyautogui.click(640.0, 360.0, button='left')"));
    }

    private static Arguments row(String behaviour, ParseContext screen, String prediction, String... actions) {
        return Arguments.of(behaviour, screen, prediction, List.of(actions));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void model_output_becomes_these_actions(String behaviour, ParseContext screen, String prediction, List<String> actions) {
        ParsedPrediction parsed = parser.parse(prediction, screen);

        assertThat(parsed.error()).isEmpty();
        assertThat(RenderedActions.of(parsed)).containsExactlyElementsOf(actions);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void every_row_runs_on_the_test_guest(String behaviour, ParseContext screen, String prediction, List<String> actions) {
        for (GuestAction action : parser.parse(prediction, screen).actions()) {
            if (action instanceof GuestAction.Code code) {
                assertThat(GuestPythonSubset.problems(code.pyautogui())).as(code.pyautogui()).isEmpty();
            }
        }
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("", "no 'Action:'"),
                Arguments.of("Thought: I should click the button.", "no 'Action:'"),
                Arguments.of("Action:", "nothing after 'Action:'"),
                Arguments.of("Action: click the OK button", "expected an action call"),
                Arguments.of("Action: click()", "click() needs start_box"),
                Arguments.of("Action: click(start_box='(1,2,3)')", "a box needs 2 numbers"),
                Arguments.of("Action: click(start_box='(x,y)')", "not a number: 'x'"),
                Arguments.of("Action: click(start_box='(nan,2)')", "not a number: 'nan'"),
                Arguments.of("Action: click(start_box='(1e9,2)')", "out of range"),
                Arguments.of("Action: click(start_box=(1,2))", "argument 'start_box' must be quoted strings"),
                Arguments.of("Action: click(start_box=100)", "must be quoted strings"),
                Arguments.of("Action: click(start_box='(1,2)', start_box='(3,4)')", "argument 'start_box' is repeated"),
                Arguments.of("Action: click(start_box='(1,2)') and then some", "unexpected text after click"),
                Arguments.of("Action: click(start_box='(1,2)", "a string is not closed"),
                Arguments.of("Action: open_app(name='Chrome')", "unknown action 'open_app'"),
                Arguments.of("Action: scroll(start_box='(1,2)', direction='sideways')", "scroll() needs direction"),
                Arguments.of("Action: type(content='')", "type() needs content"),
                Arguments.of("Action: type(content='bad \\x escape')", "truncated \\x"),
                Arguments.of("Action: type(content='nul \\x00')", "no keyboard types: U+0000"),
                Arguments.of("Action: hotkey(key='')", "hotkey() needs key"),
                Arguments.of("Action: press()", "press() needs key"),
                Arguments.of("Action: drag(start_box='(1,2)')", "drag() needs end_box"),
                Arguments.of("Action: click(start_box='(1,2)')\n\nclick(start_box='oops')", "a box needs 2 numbers"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("malformed")
    void malformed_output_is_not_parsed_and_says_why(String prediction, String why) {
        ParsedPrediction parsed = parser.parse(prediction, FHD_QWEN);

        assertThat(parsed.parsed()).isFalse();
        assertThat(parsed.actions()).isEmpty();
        assertThat(parsed.error()).contains(why);
    }

    @Test
    void the_thought_is_the_text_between_thought_and_action() {
        ParsedPrediction parsed = parser.parse("Thought: The button is greyed out;\nwait for it.\nAction: wait()", FHD_QWEN);

        assertThat(parsed.thought()).contains("The button is greyed out;\nwait for it.");
    }

    @Test
    void the_thought_is_kept_when_the_action_does_not_parse() {
        ParsedPrediction parsed = parser.parse("Thought: Try this.\nAction: teleport()", FHD_QWEN);

        assertThat(parsed.thought()).contains("Try this.");
        assertThat(parsed.parsed()).isFalse();
    }

    @Test
    void no_thought_is_empty() {
        assertThat(parser.parse("Action: wait()", FHD_QWEN).thought()).isEmpty();
    }

    @Test
    void a_hotkey_past_sixteen_keys_is_not_parsed() {
        ParsedPrediction parsed = parser.parse("Action: hotkey(key='" + "a ".repeat(17) + "')", FHD_QWEN);

        assertThat(parsed.error()).contains("17 keys");
    }

    @Test
    void an_unknown_coordinate_system_is_a_settings_error() {
        assertThatThrownBy(() -> parser.parse("Action: wait()", new ParseContext(1920, 1080, "pixels")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("qwen25vl, relative1000");
    }

    @Test
    void is_registered_as_uitars() {
        assertThat(parser.name()).isEqualTo("uitars");
    }
}
