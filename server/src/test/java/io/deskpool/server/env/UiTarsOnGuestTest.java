package io.deskpool.server.env;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * UI-TARS model output through /env/step to what the guest recorded, on a 1280x720 and a 1920x1080 guest. Points
 * are absolute on the smart-resized screenshot (qwen25vl: 1288x728 and 1932x1092), mapped to the screen the VM
 * really has, which the server learns from the screenshot (the QEMU provider believes SCREEN_SIZE, 1920x1080, for
 * any PATH_TO_VM). Expected lines are the guest's events log ({@code GET /terminal}), worked out by hand: e.g.
 * 1000 x 1280/1288 = 993.789, rounded by the guest to 994. With ENV_COORDINATES=relative1000 points are per mille.
 */
class UiTarsOnGuestTest {
    private static RemoteEnvTestBed small;
    private static RemoteEnvTestBed large;
    private static RemoteEnvTestBed perMille;

    @BeforeAll
    static void start() {
        small = new RemoteEnvTestBed(1, 1, 1, Map.of("ENV_MAX_STEPS", "100"));
        var wide = new java.util.HashMap<String, String>(Map.of("ENV_MAX_STEPS", "100", "SCREEN_SIZE", "1920x1080"));
        // The 1920x1080 guest scripts/test.sh built; without it the provider builds it (SCREEN_SIZE, empty PATH_TO_VM).
        wide.put("PATH_TO_VM", Optional.ofNullable(System.getenv("TEST_GUEST_QCOW2_1080P")).orElse(""));
        large = new RemoteEnvTestBed(1, 1, 1, wide);
        perMille = new RemoteEnvTestBed(1, 1, 1, Map.of("ENV_MAX_STEPS", "100", "ENV_COORDINATES", "relative1000"));
        for (RemoteEnvTestBed bed : List.of(small, large, perMille)) {
            new ArpoRemoteEnvWorker(0, bed.envUrl()).reset(Map.of("id", "parser-table", "instruction", "Act."));
        }
    }

    @AfterAll
    static void stop() {
        for (RemoteEnvTestBed bed : Arrays.asList(small, large, perMille)) {
            if (bed != null) {
                bed.close();
            }
        }
    }

    static Stream<Arguments> on1280x720() {
        return Stream.of(
                Arguments.of("Thought: The button.\nAction: click(start_box='(1000,500)')", List.of("click 994 495")),
                Arguments.of("Action: left_double(start_box='<|box_start|>(100,50)<|box_end|>')", List.of("doubleclick 99 49")),
                Arguments.of("Action: right_single(start_box='[100,100,300,300]')", List.of("click 199 198 right x1")),
                Arguments.of("Action: drag(start_box='(100,100)', end_box='(500,300)')", List.of("move 99 99", "drag 99 99 to 497 297 left")),
                Arguments.of("Action: hover(start_box='(200,100)')", List.of("move 199 99")),
                Arguments.of("Action: scroll(start_box='(600,400)', direction='down')", List.of("scroll -5 at 596 396")),
                Arguments.of("Action: hotkey(key='ctrl c')", List.of("hotkey ctrl+c")),
                Arguments.of("Action: type(content='hello\\n')", List.of("write hello", "press enter")),
                Arguments.of("Action: press(key='arrowleft')", List.of("press left")),
                Arguments.of("Action: keydown(key='shift')", List.of("keydown shift")),
                Arguments.of("Action: keyup(key='shift')", List.of("keyup shift")),
                Arguments.of("Action: scroll(start_box='(600,400)', direction='left')", List.of("hscroll -5 at 596 396")),
                Arguments.of("Action: scroll(start_box='(300,200)', direction='right')", List.of("hscroll 5 at 298 198")),
                Arguments.of("Action: click(start_box='(1800,1000)')", List.of("click 1279 719")));
    }

    static Stream<Arguments> on1920x1080() {
        return Stream.of(
                Arguments.of("Thought: Far right.\nAction: click(start_box='(1800,1000)')", List.of("click 1789 989")),
                Arguments.of("Action: left_double(start_box='(960,540)')", List.of("doubleclick 954 534")),
                Arguments.of("Action: drag(start_box='(1500,900)', end_box='(1900,1050)')",
                        List.of("move 1491 890", "drag 1491 890 to 1888 1038 left")),
                Arguments.of("Action: right_single(start_box='[1600,800,1700,900]')", List.of("click 1640 841 right x1")),
                Arguments.of("Action: hover(start_box='(1000,600)')", List.of("move 994 593")),
                Arguments.of("Action: scroll(start_box='(1700,1000)', direction='up')", List.of("scroll 5 at 1689 989")),
                Arguments.of("Action: scroll(start_box='(1700,1000)', direction='left')", List.of("hscroll -5 at 1689 989")),
                Arguments.of("Action: scroll(start_box='(1900,1050)', direction='right')", List.of("hscroll 5 at 1888 1038")),
                Arguments.of("Action: hotkey(key='ctrl shift t')", List.of("hotkey ctrl+shift+t")),
                Arguments.of("Action: press(key='arrowdown')", List.of("press down")),
                Arguments.of("Action: keydown(key='ctrl')", List.of("keydown ctrl")),
                Arguments.of("Action: keyup(key='ctrl')", List.of("keyup ctrl")),
                Arguments.of("Action: type(content='wide screen')", List.of("write wide screen")),
                Arguments.of("Action: type(content='wide\\n')", List.of("write wide", "press enter")));
    }

    @ParameterizedTest
    @MethodSource("on1280x720")
    void a_1280x720_guest_records_the_mapped_action(String prediction, List<String> recorded) {
        assertThat(recordedAfter(small, prediction, recorded.size())).isEqualTo(recorded);
    }

    @ParameterizedTest
    @MethodSource("on1920x1080")
    void a_1920x1080_guest_records_the_mapped_action(String prediction, List<String> recorded) {
        assertThat(recordedAfter(large, prediction, recorded.size())).isEqualTo(recorded);
    }

    @Test
    void with_env_coordinates_relative1000_points_are_per_mille_of_the_screen() {
        assertThat(recordedAfter(perMille, "Action: click(start_box='(500,500)')", 1)).containsExactly("click 640 360");
        assertThat(recordedAfter(perMille, "Action: drag(start_box='(0,0)', end_box='(1000,1000)')", 2))
                .containsExactly("move 0 0", "drag 0 0 to 1279 719 left");
    }

    @Test
    void the_screenshots_in_the_chat_have_the_vms_real_size() {
        JsonNode small720 = new EnvCalls(small.envUrl()).post("/env/history_messages", null, "{}").ok().json();
        JsonNode large1080 = new EnvCalls(large.envUrl()).post("/env/history_messages", null, "{}").ok().json();

        assertThat(WireMessages.process(small720.path("history_messages")).get(2).image().getWidth()).isEqualTo(1280);
        assertThat(WireMessages.process(large1080.path("history_messages")).get(2).image().getWidth()).isEqualTo(1920);
    }

    /** Steps the bed's slot 0 with {@code prediction}; the last {@code n} lines of the guest's events log after it. */
    private static List<String> recordedAfter(RemoteEnvTestBed bed, String prediction, int n) {
        JsonNode step = new EnvCalls(bed.envUrl()).post("/env/step", null,
                "{\"prediction\": " + RemoteEnvHttp.json(prediction) + "}").ok().json();
        assertThat(step.path("format_reward").asDouble()).as("parsed").isEqualTo(0.0);
        JsonNode slot = new EnvCalls(bed.mainUrl()).get("/v1/sessions", RemoteEnvTestBed.LAB).ok().json()
                .path("sessions").get(0);
        int port = slot.path("vm").path("endpoints").path("server_port").asInt();
        String log = new EnvCalls("http://127.0.0.1:" + port).get("/terminal", null).ok().json().path("output").asText();
        List<String> lines = new ArrayList<>(log.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }
}
