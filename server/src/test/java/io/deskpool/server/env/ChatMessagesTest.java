package io.deskpool.server.env;

import io.deskpool.core.settings.Settings;
import io.deskpool.env.EpisodeTranscript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat that opens every /env/* episode (obs_messages, history_messages) as ENV_SYSTEM_MESSAGE and
 * ENV_PROMPT_FILE make it: the system message, then the user prompt with the task's instruction in it.
 */
class ChatMessagesTest {
    private static final EpisodeTranscript EPISODE = new EpisodeTranscript("Open the terminal.",
            Optional.of(new byte[] {1, 2, 3}), List.of());

    @TempDir
    Path dir;

    private static String text(Map<String, Object> message) {
        @SuppressWarnings("unchecked")
        var content = (List<Map<String, Object>>) message.get("content");
        return (String) content.get(0).get("text");
    }

    @Test
    void a_prompt_file_gets_the_tasks_instruction_where_it_says_instruction_in_the_user_message() throws Exception {
        Path prompt = Files.writeString(dir.resolve("prompt.txt"), "You drive a desktop.\nTask: {instruction}\nAnswer in JSON.");

        List<Map<String, Object>> chat = ChatMessages.from(Settings.of(Map.of("ENV_PROMPT_FILE", prompt.toString())))
                .of(EPISODE);

        assertThat(chat).extracting(m -> m.get("role")).containsExactly("system", "user", "user");
        assertThat(text(chat.get(1))).isEqualTo("You drive a desktop.\nTask: Open the terminal.\nAnswer in JSON.");
    }

    @Test
    void without_a_prompt_file_the_user_message_is_deskpools_prompt_with_the_instruction() {
        List<Map<String, Object>> chat = ChatMessages.from(Settings.of(Map.of())).of(EPISODE);

        assertThat(text(chat.get(1))).contains("Open the terminal.").doesNotContain("{instruction}");
    }

    @Test
    void the_system_message_is_env_system_message() {
        List<Map<String, Object>> chat = ChatMessages.from(Settings.of(Map.of("ENV_SYSTEM_MESSAGE",
                "You are a careful desktop agent."))).of(EPISODE);

        assertThat(chat.get(0).get("role")).isEqualTo("system");
        assertThat(text(chat.get(0))).isEqualTo("You are a careful desktop agent.");
    }

    @Test
    void the_system_message_defaults_to_a_helpful_assistant() {
        List<Map<String, Object>> chat = ChatMessages.from(Settings.of(Map.of())).of(EPISODE);

        assertThat(text(chat.get(0))).isEqualTo("You are a helpful assistant.");
    }
}
