package io.deskpool.env.action;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ways a UI-TARS model writes a point or a box. */
class BoxTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"(100,200)", "<|box_start|>(100,200)<|box_end|>", "(100, 200)", "[100,200]",
            "<point>100 200</point>", " ( 100 , 200 ) ", "100,200"})
    void a_point_is_a_box_from_it_to_itself(String text) throws ParseFailure {
        assertThat(Box.parse(text)).isEqualTo(new Box(100, 200, 100, 200));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"(10,20,30,40)", "[10,20,30,40]", "<|box_start|>(10,20),(30,40)<|box_end|>",
            "<bbox>10 20 30 40</bbox>"})
    void a_box_has_two_corners(String text) throws ParseFailure {
        assertThat(Box.parse(text)).isEqualTo(new Box(10, 20, 30, 40));
    }

    @Test
    void numbers_may_be_signed_or_fractional() throws ParseFailure {
        assertThat(Box.parse("(-1.5,.5e1)")).isEqualTo(new Box(-1.5, 5, -1.5, 5));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "()", "(1)", "(1,2,3)", "(1,2,3,4,5)", "(a,b)", "(1,,2)", "(inf,1)", "(0x10,1)",
            "(1e7,1)", "(1d,2)"})
    void anything_else_is_a_parse_failure(String text) {
        assertThatThrownBy(() -> Box.parse(text)).isInstanceOf(ParseFailure.class);
    }
}
