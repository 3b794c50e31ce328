package io.deskpool.env.action;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.env.spi.ActionParser;
import io.deskpool.env.spi.GuestAction;
import io.deskpool.env.spi.ParseContext;
import io.deskpool.env.spi.ParsedPrediction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any string at all: every parser answers without throwing, the answer is consistent (parsed, or an error and no
 * actions), and the code it emits (the model's own code aside, for {@code pyautogui}) is Python the test guest
 * runs. Strings are built from the grammars' own pieces, from mutated well-formed outputs and from random
 * characters, with fixed seeds so a failure repeats.
 */
class ActionParserFuzzTest {
    private static final int STRINGS_PER_SEED = 3000;
    private static final List<String> PIECES = List.of("Thought:", "Thought: ", "Action:", "Action: ", "click(",
            "left_double(", "right_single(", "hover(", "drag(", "scroll(", "type(", "hotkey(", "press(", "keydown(",
            "finished(", "wait()", "call_user()", "start_box=", "end_box=", "point=", "content=", "key=", "direction=",
            "'up'", "'left'", "'", "\"", "'''", "(", ")", "[", "]", ",", " ", "\n", "\n\n", ")\n\n", "\\", "\\n",
            "\\'", "\\x", "\\x0", "\\u12", "\\U0010ffff", "\\N{", "\\N{BULLET}", "}", "<|box_start|>", "<|box_end|>",
            "<point>", "</point>", "1", "23", "-4", ".5", "1e3", "1e400", "nan", "999999", "0", "=", "r'", "```",
            "```python\n", "```json\n", "{", "\"action_type\"", ":", "\"CLICK\"", "\"HOTKEY\"", "\"TYPING\"", "\"x\"",
            "\"y\"", "\"keys\"", "\"text\"", "\"parameters\"", "\"num_clicks\"", "\"button\"", "\"left\"", "true",
            "null", "WAIT", "DONE", "FAIL", ";", "pyautogui.click(", "\u0000", "\uD800", "\uDC00", "é", "\uD83D\uDE00",
            "\u2028", "\t", "\r\n");
    private static final List<String> WELL_FORMED = List.of(
            "Thought: go\nAction: click(start_box='<|box_start|>(500,300)<|box_end|>')",
            "Action: drag(start_box='(1,2)', end_box='[3,4,5,6]')\n\ntype(content='it's\\n')",
            "Action: scroll(start_box='(7,8)', direction='down')\n\nhotkey(key='ctrl+c')\n\nfinished(content='x')",
            "```python\npyautogui.click(1, 2)\nDONE\n```",
            "```json\n{\"action_type\": \"CLICK\", \"button\": \"left\", \"x\": 1, \"y\": 2, \"num_clicks\": 2}\n```",
            "{\"action_type\": \"HOTKEY\", \"keys\": [\"ctrl\", \"c\"]}",
            "{\"action_type\": \"TYPING\", \"parameters\": {\"text\": \"a'b\\\"c\\\\\"}}");
    private static final List<ParseContext> SCREENS = List.of(new ParseContext(1920, 1080, "qwen25vl"),
            new ParseContext(1280, 720, "relative1000"), new ParseContext(800, 600, "qwen25vl"));

    static Stream<Arguments> parsersAndSeeds() {
        return ServiceLoader.load(ActionParser.class).stream().map(ServiceLoader.Provider::get)
                .flatMap(parser -> Stream.of(1L, 2L, 3L).map(seed -> Arguments.of(parser.name(), parser, seed)));
    }

    @ParameterizedTest(name = "{0}, seed {2}")
    @MethodSource("parsersAndSeeds")
    void any_string_gets_a_consistent_answer_and_only_guest_runnable_code(String name, ActionParser parser, long seed) {
        Random random = new Random(seed);
        for (int i = 0; i < STRINGS_PER_SEED; i++) {
            String prediction = switch (i % 5) {
                case 0 -> fromPieces(random);
                case 1 -> mutated(random);
                case 2 -> uiTarsShaped(random);
                case 3 -> computer13Shaped(random);
                default -> randomCharacters(random);
            };
            ParsedPrediction parsed = parser.parse(prediction, SCREENS.get(random.nextInt(SCREENS.size())));

            assertThat(parsed.error().isEmpty()).as("error empty iff actions for %s", show(prediction))
                    .isEqualTo(!parsed.actions().isEmpty());
            if (!parser.name().equals(PyautoguiParser.NAME)) {
                for (GuestAction action : parsed.actions()) {
                    if (action instanceof GuestAction.Code code) {
                        assertThat(GuestPythonSubset.problems(code.pyautogui()))
                                .as("code %s from %s", show(code.pyautogui()), show(prediction)).isEmpty();
                    }
                }
            }
        }
    }

    static Stream<Arguments> parsersAndHugeInputs() {
        int n = 200_000;
        List<String> inputs = List.of("(".repeat(n), ")\n\n".repeat(n / 3), "[".repeat(n), "{\"a\":".repeat(n / 5),
                "Action: click(start_box='(" + "1".repeat(n) + "x,2)')",
                "Action: click(start_box='(1" + " ".repeat(n) + ",2)')",
                "Action: type(content='" + "\\n".repeat(n / 2) + "')",
                "Action: type(content='" + "'".repeat(n) + "')",
                "Thought: " + "Thought: ".repeat(n / 9), ";".repeat(n), "```".repeat(n / 3), "\\".repeat(n));
        return ServiceLoader.load(ActionParser.class).stream().map(ServiceLoader.Provider::get)
                .flatMap(parser -> inputs.stream().map(input -> Arguments.of(parser.name(), show(input.substring(0, 24)), parser, input)));
    }

    /** Long and deeply nested input: answered, not a stack overflow, and not quadratic. */
    @ParameterizedTest(name = "{0}: {1}...")
    @MethodSource("parsersAndHugeInputs")
    void huge_inputs_get_a_consistent_answer(String name, String start, ActionParser parser, String input) {
        ParsedPrediction parsed = parser.parse(input, SCREENS.get(0));

        assertThat(parsed.error().isEmpty()).isEqualTo(!parsed.actions().isEmpty());
    }

    private static String fromPieces(Random random) {
        StringBuilder s = new StringBuilder();
        int pieces = random.nextInt(40);
        for (int i = 0; i < pieces; i++) {
            s.append(PIECES.get(random.nextInt(PIECES.size())));
        }
        return s.toString();
    }

    /** Well-formed UI-TARS calls with arbitrary argument values. */
    private static String uiTarsShaped(Random random) {
        List<String> functions = List.of("click", "left_double", "right_single", "hover", "drag", "scroll", "type",
                "hotkey", "press", "keyup", "keydown", "wait", "finished", "call_user", "select");
        List<String> keywords = List.of("start_box", "end_box", "content", "key", "direction", "point");
        StringBuilder s = new StringBuilder("Thought: t\nAction: ");
        int actions = 1 + random.nextInt(3);
        for (int a = 0; a < actions; a++) {
            s.append(a == 0 ? "" : "\n\n").append(functions.get(random.nextInt(functions.size()))).append('(');
            int arguments = random.nextInt(3);
            for (int k = 0; k < arguments; k++) {
                String value = random.nextBoolean()
                        ? "(" + (random.nextInt(4000) - 100) + "," + (random.nextInt(4000) - 100) + ")"
                        : fromPieces(random).replace("'", "") + randomCharacters(random).replace("'", "");
                s.append(k == 0 ? "" : ", ").append(keywords.get(random.nextInt(keywords.size())))
                        .append("='").append(value).append('\'');
            }
            s.append(')');
        }
        return s.toString();
    }

    /** Well-formed action dicts with arbitrary values. */
    private static String computer13Shaped(Random random) {
        ObjectNode action = JsonNodeFactory.instance.objectNode();
        action.put("action_type", Computer13Translator.ACTION_TYPES.get(random.nextInt(Computer13Translator.ACTION_TYPES.size())));
        List<String> names = List.of("x", "y", "button", "num_clicks", "dx", "dy", "text", "key", "keys");
        int parameters = random.nextInt(4);
        for (int k = 0; k < parameters; k++) {
            String name = names.get(random.nextInt(names.size()));
            switch (random.nextInt(5)) {
                case 0 -> action.put(name, random.nextInt(3000) - 500);
                case 1 -> action.put(name, random.nextDouble() * 3000);
                case 2 -> action.put(name, randomCharacters(random));
                case 3 -> action.put(name, List.of("left", "enter", "ctrl", "a", "'", "\\").get(random.nextInt(6)));
                default -> action.putArray(name).add("ctrl").add(randomCharacters(random));
            }
        }
        return random.nextBoolean() ? action.toString() : "```json\n" + action + "\n```";
    }

    private static String mutated(Random random) {
        StringBuilder s = new StringBuilder(WELL_FORMED.get(random.nextInt(WELL_FORMED.size())));
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && s.length() > 0; i++) {
            int at = random.nextInt(s.length());
            switch (random.nextInt(3)) {
                case 0 -> s.deleteCharAt(at);
                case 1 -> s.insert(at, PIECES.get(random.nextInt(PIECES.size())));
                default -> s.setCharAt(at, (char) random.nextInt(128));
            }
        }
        return s.toString();
    }

    private static String randomCharacters(Random random) {
        StringBuilder s = new StringBuilder();
        int length = random.nextInt(120);
        for (int i = 0; i < length; i++) {
            s.append((char) (random.nextBoolean() ? 32 + random.nextInt(95) : random.nextInt(0x10000)));
        }
        return s.toString();
    }

    private static String show(String text) {
        return text.codePoints().collect(StringBuilder::new,
                (b, c) -> b.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\u{%x}", c)),
                StringBuilder::append).toString();
    }
}
