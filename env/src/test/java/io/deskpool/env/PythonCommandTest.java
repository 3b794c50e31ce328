package io.deskpool.env;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.deskpool.core.DeskpoolException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StepActionTest {
    private static StepAction parse(String s) {
        return StepAction.parse(JsonNodeFactory.instance.textNode(s));
    }

    @Test
    void special_actions_are_recognised_with_surrounding_blanks() {
        assertThat(parse("WAIT").kind()).isEqualTo(StepAction.Kind.WAIT);
        assertThat(parse(" FAIL\n").kind()).isEqualTo(StepAction.Kind.FAIL);
        assertThat(parse("DONE").kind()).isEqualTo(StepAction.Kind.DONE);
        assertThat(parse("FAIL").label()).isEqualTo("FAIL");
    }

    @Test
    void pyautogui_code_runs_as_python_with_osworlds_prefix() {
        StepAction a = parse("pyautogui.click(10, 20)");

        assertThat(a.kind()).isEqualTo(StepAction.Kind.PYAUTOGUI);
        assertThat(a.command().get(0).asText()).isEqualTo("python");
        assertThat(a.command().get(1).asText()).isEqualTo("-c");
        assertThat(a.command().get(2).asText())
                .isEqualTo("import pyautogui; import time; pyautogui.FAILSAFE = False; pyautogui.click(10, 20)");
    }

    @Test
    void less_than_is_typed_with_shift_comma_as_osworld_fixes_it() {
        assertThat(StepAction.fixLessThan("pyautogui.press('<')")).isEqualTo("pyautogui.hotkey(\"shift\", \",\")");
        assertThat(StepAction.fixLessThan("pyautogui.typewrite('a<b')"))
                .isEqualTo("pyautogui.typewrite('a'); pyautogui.hotkey(\"shift\", \",\"); pyautogui.typewrite('b')");
        assertThat(StepAction.fixLessThan("pyautogui.typewrite(\"<\")")).isEqualTo("pyautogui.hotkey(\"shift\", \",\")");
        assertThat(StepAction.fixLessThan("pyautogui.typewrite('plain')")).isEqualTo("pyautogui.typewrite('plain')");
    }

    @Test
    void a_missing_empty_or_non_text_action_is_refused() {
        assertThatThrownBy(() -> StepAction.parse(null)).isInstanceOf(DeskpoolException.class).hasMessageContaining("required");
        assertThatThrownBy(() -> parse("   ")).hasMessageContaining("empty");
        assertThatThrownBy(() -> StepAction.parse(JsonNodeFactory.instance.objectNode().put("action_type", "CLICK")))
                .hasMessageContaining("must be a string");
    }
}
