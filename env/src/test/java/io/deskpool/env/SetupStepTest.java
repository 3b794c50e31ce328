package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class SetupStepTest {
    private static JsonNode json(String s) throws Exception {
        return EnvJson.MAPPER.readTree(s);
    }

    @Test
    void every_supported_step_type_parses() throws Exception {
        List<SetupStep> steps = SetupStep.parseAll(json("""
                [{"type": "execute", "parameters": {"command": ["ls", "-l"]}},
                 {"type": "command", "parameters": {"command": "ls", "shell": true}},
                 {"type": "launch", "parameters": {"command": ["gedit"]}},
                 {"type": "sleep", "parameters": {"seconds": 0.5}},
                 {"type": "open", "parameters": {"path": "/home/user/a.txt"}},
                 {"type": "download", "parameters": {"files": [{"url": "http://127.0.0.1:1/a", "path": "/tmp/a"}]}},
                 {"type": "upload_file", "parameters": {"files": [{"content": "hi", "path": "/tmp/b"}]}},
                 {"type": "activate_window", "parameters": {"window_name": "gedit", "strict": true}},
                 {"type": "close_window", "parameters": {"window_name": "gedit"}},
                 {"type": "change_wallpaper", "parameters": {"path": "/tmp/a"}},
                 {"type": "chrome_open_tabs", "parameters": {"urls_to_open": ["https://example.org"]}}]"""), "config");

        assertThat(steps).extracting(SetupStep::type).containsExactly("execute", "command", "launch", "sleep", "open",
                "download", "upload_file", "activate_window", "close_window", "change_wallpaper", "chrome_open_tabs");
        assertThat(steps.get(3).where()).isEqualTo("config[3]");
    }

    @Test
    void an_unknown_step_type_is_a_400_naming_it() throws Exception {
        DeskpoolException e = catchThrowableOfType(DeskpoolException.class, () -> SetupStep.parseAll(json("""
                [{"type": "sleep", "parameters": {"seconds": 1}}, {"type": "googledrive", "parameters": {}}]"""), "config"));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(e.getMessage()).contains("config[1]", "unknown setup step type 'googledrive'");
        assertThat(e.details()).containsEntry("reason", "unknown_setup_step").containsEntry("step_type", "googledrive");
    }

    @Test
    void missing_or_wrong_parameters_are_refused_before_any_vm_is_touched() {
        assertThatThrownBy(() -> SetupStep.parseAll(json("[{\"type\": \"sleep\", \"parameters\": {}}]"), "config"))
                .hasMessageContaining("config[0] (sleep): parameters.seconds");
        assertThatThrownBy(() -> SetupStep.parseAll(json("[{\"type\": \"launch\", \"parameters\": {\"command\": []}}]"), "config"))
                .hasMessageContaining("parameters.command");
        assertThatThrownBy(() -> SetupStep.parseAll(json("""
                [{"type": "download", "parameters": {"files": [{"url": "file:///etc/passwd", "path": "/tmp/x"}]}}]"""), "config"))
                .hasMessageContaining("must be an http(s) URL");
        assertThatThrownBy(() -> SetupStep.parseAll(json("""
                [{"type": "upload_file", "parameters": {"files": [{"path": "/tmp/x"}]}}]"""), "config"))
                .hasMessageContaining("exactly one of local_path, content, content_base64");
        assertThatThrownBy(() -> SetupStep.parseAll(json("{\"type\": \"sleep\"}"), "config"))
                .hasMessageContaining("must be a list");
    }

    @Test
    void a_task_without_config_or_evaluator_is_blank() throws Exception {
        TaskConfig t = TaskConfig.parse(json("{\"id\": \"t1\", \"instruction\": \"do it\"}"));

        assertThat(t.id()).isEqualTo("t1");
        assertThat(t.config()).isEmpty();
        assertThat(t.evaluator()).isEmpty();
        assertThat(TaskConfig.parse(null)).isEqualTo(TaskConfig.BLANK);
    }

    @Test
    void postconfig_steps_are_checked_with_the_task() {
        assertThatThrownBy(() -> TaskConfig.parse(json("""
                {"evaluator": {"func": "exact_match", "postconfig": [{"type": "tidy_desktop", "parameters": {}}],
                               "result": {"type": "vm_command_line", "command": "ls"}}}""")))
                .hasMessageContaining("evaluator.postconfig[0]: unknown setup step type 'tidy_desktop'");
    }
}
