package io.deskpool.env.action;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** round() and repr() of floats as CPython gives them (values checked in Python 3.11). */
class PythonFloatTest {
    @ParameterizedTest(name = "repr({0}) = {1}")
    @CsvSource({
            "100.0, 100.0",
            "496.894, 496.894",
            "0.1, 0.1",
            "0.30000000000000004, 0.30000000000000004",
            "123456789012.5, 123456789012.5",
            "0.0001, 0.0001",
            "1.5e-5, 1.5e-05",
            "-2.5e-7, -2.5e-07",
            "1e16, 1e+16",
            "1e22, 1e+22",
            "-0.0, -0.0",
    })
    void repr_is_the_shortest_decimal_that_reads_back(double value, String repr) {
        assertThat(PythonFloat.repr(value)).isEqualTo(repr);
    }

    @Test
    void round_goes_half_even_on_the_exact_binary_value() {
        assertThat(PythonFloat.round(0.0625, 3)).isEqualTo(0.062); // an exact tie: to even
        assertThat(PythonFloat.round(2.675, 2)).isEqualTo(2.67);   // 2.675 is 2.67499999... in binary
        assertThat(PythonFloat.round(496.8944099378882, 3)).isEqualTo(496.894);
    }

    @Test
    void a_negative_value_rounding_to_zero_is_negative_zero() {
        assertThat(PythonFloat.repr(PythonFloat.round(-0.0004, 3))).isEqualTo("-0.0");
    }

    @Test
    void infinity_is_not_a_coordinate() {
        assertThatThrownBy(() -> PythonFloat.repr(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
    }
}
