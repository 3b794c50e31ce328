package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.env.reward.FormatReward;
import io.deskpool.env.spi.ActionParser;
import io.deskpool.env.spi.GuestAction;
import io.deskpool.env.spi.ParseContext;
import io.deskpool.env.spi.ParsedPrediction;
import io.deskpool.env.spi.StepOutcome;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Action parsers and step rewards are plugins chosen by name; a bad choice stops the start naming the setting. */
class PluginChoiceTest {
    private static final ParseContext SCREEN = new ParseContext(1280, 720, "qwen25vl");

    private static ActionParser parser(String name, java.util.function.Function<String, ParsedPrediction> parse) {
        return new ActionParser() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public ParsedPrediction parse(String prediction, ParseContext context) {
                return parse.apply(prediction);
            }
        };
    }

    @Test
    void an_action_parser_setting_naming_no_plugin_stops_the_start_naming_the_setting_and_the_choices() {
        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> new ActionParsers(List.of(parser("pyautogui", p -> null)), "uitars"));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SETTING);
        assertThat(e.getMessage()).contains("ENV_ACTION_PARSER", "uitars", "pyautogui");
    }

    @Test
    void two_parsers_of_one_name_are_a_configuration_error() {
        assertThatFails(() -> new ActionParsers(List.of(parser("x", p -> null), parser("x", p -> null)), "x"), "two action parsers");
    }

    @Test
    void the_parsers_on_the_class_path_are_found_by_service_loader() {
        assertThat(ActionParsers.load("uitars").names()).contains("uitars", "pyautogui");
    }

    @Test
    void a_request_naming_an_unknown_parser_is_a_400_listing_the_known_ones() {
        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> new ActionParsers(List.of(parser("pyautogui", p -> null)), "pyautogui").named("computer_99"));

        assertThat(EnvFailure.UNKNOWN_PARSER.is(e)).isTrue();
        assertThat(e.getMessage()).contains("pyautogui");
    }

    @Test
    void a_parser_that_throws_on_model_output_yields_an_unparsed_prediction_not_a_server_error() {
        ParsedPrediction p = ActionParsers.parse(parser("boom", x -> {
            throw new IllegalStateException("bug");
        }), "Action: click()", SCREEN);

        assertThat(p.parsed()).isFalse();
        assertThat(p.error()).contains("boom", "bug");
    }

    @Test
    void a_parser_answer_without_actions_or_error_counts_as_unparsed() {
        ParsedPrediction p = ActionParsers.parse(parser("quiet",
                x -> new ParsedPrediction(Optional.empty(), List.of(), "")), "hello", SCREEN);

        assertThat(p.parsed()).isFalse();
        assertThat(p.error()).isNotEmpty();
    }

    @Test
    void the_format_reward_is_minus_one_for_an_unparsable_prediction_and_zero_otherwise() {
        var parsed = new ParsedPrediction(Optional.empty(), List.of(new GuestAction.Wait()), "");
        var unparsed = new ParsedPrediction(Optional.empty(), List.of(), "no Action:");

        assertThat(new FormatReward().reward(outcome(parsed))).isEqualTo(0.0);
        assertThat(new FormatReward().reward(outcome(unparsed))).isEqualTo(-1.0);
    }

    @Test
    void a_step_reward_plugin_on_the_class_path_is_chosen_by_name() {
        StepRewards r = StepRewards.load("shaped");
        var parsed = new ParsedPrediction(Optional.empty(), List.of(new GuestAction.Wait()), "");

        assertThat(r.reward(outcome(parsed))).isEqualTo(ShapedRewardPlugin.PARSED);
    }

    @Test
    void a_step_reward_setting_naming_no_plugin_stops_the_start_naming_the_setting() {
        assertThatFails(() -> StepRewards.load("curiosity"), "ENV_STEP_REWARD");
    }

    @Test
    void a_step_reward_plugin_that_throws_fails_the_step_as_a_server_error_with_its_reason() {
        StepRewards r = new StepRewards(List.of(new ShapedRewardPlugin() {
            @Override
            public double reward(StepOutcome o) {
                throw new ArithmeticException("oops");
            }
        }), "shaped");

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> r.reward(outcome(new ParsedPrediction(Optional.empty(), List.of(new GuestAction.Wait()), ""))));

        assertThat(EnvFailure.STEP_REWARD_FAILED.is(e)).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).contains("shaped", "oops");
        assertThat(e.details()).containsEntry("step_reward", "shaped");
    }

    @Test
    void a_step_reward_plugin_that_answers_nan_fails_the_step_as_a_server_error_with_its_reason() {
        StepRewards r = new StepRewards(List.of(new ShapedRewardPlugin() {
            @Override
            public double reward(StepOutcome o) {
                return Double.NaN;
            }
        }), "shaped");

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> r.reward(outcome(new ParsedPrediction(Optional.empty(), List.of(new GuestAction.Wait()), ""))));

        assertThat(EnvFailure.STEP_REWARD_FAILED.is(e)).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).contains("shaped", "NaN");
    }

    private static StepOutcome outcome(ParsedPrediction p) {
        return new StepOutcome("x", p, 1, 16, !p.parsed(), List.of(), p.parsed());
    }

    private static void assertThatFails(Runnable r, String text) {
        DeskpoolException e = catchThrowableOfType(DeskpoolException.class, r::run);
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains(text);
    }
}
