package io.deskpool.env.action;

import io.deskpool.env.spi.ParseContext;
import io.deskpool.env.spi.ParsedPrediction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code pyautogui} parser as a table: the model's answer and the actions the VM gets. */
class PyautoguiParserTest {
    private static final ParseContext SCREEN = new ParseContext(1920, 1080, "qwen25vl");
    private final PyautoguiParser parser = new PyautoguiParser();

    static Stream<Arguments> table() {
        return Stream.of(
                row("a ```python block is code", "```python\npyautogui.click(100, 200)\n```", "pyautogui.click(100, 200)"),
                row("a bare ``` block is code", "```\npyautogui.press('enter')\n```", "pyautogui.press('enter')"),
                row("a one-line block is code", "```pyautogui.hotkey('ctrl', 'c')```", "pyautogui.hotkey('ctrl', 'c')"),
                row("text around the block is ignored",
                        "I will open the menu.\n```python\npyautogui.click(5, 5)\n```\nThat should do it.",
                        "pyautogui.click(5, 5)"),
                row("several statements stay one action",
                        "```python\npyautogui.click(10, 10); time.sleep(0.5)\npyautogui.write('hi')\n```",
                        "pyautogui.click(10, 10); time.sleep(0.5)\npyautogui.write('hi')"),
                row("each block is one action",
                        "```python\npyautogui.click(1, 2)\n```\nthen\n```python\npyautogui.press('tab')\n```",
                        "pyautogui.click(1, 2)", "pyautogui.press('tab')"),
                row("WAIT is WAIT", "WAIT", "WAIT"),
                row("DONE is DONE", "DONE", "DONE"),
                row("FAIL is FAIL", " FAIL; ", "FAIL"),
                row("a block of DONE is DONE", "```\nDONE\n```", "DONE"),
                row("a one-word block is that word, not a language", "```WAIT\n```", "WAIT"),
                row("a block ending in DONE is its code, then DONE",
                        "```python\npyautogui.click(1, 2)\nDONE\n```", "pyautogui.click(1, 2)", "DONE"),
                row("a block ending in ; FAIL is its code, then FAIL",
                        "```python\npyautogui.click(1, 2); FAIL\n```", "pyautogui.click(1, 2)", "FAIL"),
                row("unfenced pyautogui code is code (deviation: OSWorld needs the fence)",
                        "pyautogui.doubleClick(300, 400)", "pyautogui.doubleClick(300, 400)"),
                row("a ; inside a string is not a statement break (deviation)",
                        "```python\npyautogui.write('a;b')\n```", "pyautogui.write('a;b')"));
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

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("", "no ```python code block"),
                Arguments.of("I think the task is done.", "no ```python code block"),
                Arguments.of("done", "no ```python code block"),
                Arguments.of("```python\npyautogui.click(1, 2)", "not closed"),
                Arguments.of("```python\n```", "empty"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("malformed")
    void malformed_output_is_not_parsed_and_says_why(String prediction, String why) {
        ParsedPrediction parsed = parser.parse(prediction, SCREEN);

        assertThat(parsed.parsed()).isFalse();
        assertThat(parsed.error()).contains(why);
    }

    @Test
    void the_thought_runs_to_the_code_block() {
        ParsedPrediction parsed = parser.parse("Thought: the OK button.\n```python\npyautogui.click(1, 2)\n```", SCREEN);

        assertThat(parsed.thought()).contains("the OK button.");
    }

    @Test
    void is_registered_as_pyautogui() {
        assertThat(parser.name()).isEqualTo("pyautogui");
    }
}
