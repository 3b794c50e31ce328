package io.deskpool.env;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PythonCommandTest {
    @Test
    void pyautogui_code_runs_as_python_with_osworlds_prefix() {
        var c = PythonCommand.of("pyautogui.click(10, 20)");

        assertThat(c.get(0).asText()).isEqualTo("python");
        assertThat(c.get(1).asText()).isEqualTo("-c");
        assertThat(c.get(2).asText())
                .isEqualTo("import pyautogui; import time; pyautogui.FAILSAFE = False; pyautogui.click(10, 20)");
    }

    @Test
    void less_than_is_typed_with_shift_comma_as_osworld_fixes_it() {
        assertThat(PythonCommand.fixLessThan("pyautogui.press('<')")).isEqualTo("pyautogui.hotkey(\"shift\", \",\")");
        assertThat(PythonCommand.fixLessThan("pyautogui.typewrite('a<b')"))
                .isEqualTo("pyautogui.typewrite('a'); pyautogui.hotkey(\"shift\", \",\"); pyautogui.typewrite('b')");
        assertThat(PythonCommand.fixLessThan("pyautogui.typewrite(\"<\")")).isEqualTo("pyautogui.hotkey(\"shift\", \",\")");
        assertThat(PythonCommand.fixLessThan("pyautogui.typewrite('plain')")).isEqualTo("pyautogui.typewrite('plain')");
    }
}
