package io.deskpool.env.action;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Python string literals: bodies decoded as CPython decodes them, text written as CPython's repr writes it. */
class PythonStringLiteralTest {
    @Test
    void decodes_the_common_escapes() throws ParseFailure {
        assertThat(PythonStringLiteral.decode("a\\nb\\tc\\\\d\\'e\\\"f", false)).isEqualTo("a\nb\tc\\d'e\"f");
    }

    @Test
    void decodes_hex_unicode_octal_and_named_escapes() throws ParseFailure {
        assertThat(PythonStringLiteral.decode("\\x41\\u00e9\\U0001F600\\101\\N{BULLET}", false))
                .isEqualTo("Aé\uD83D\uDE00A\u2022");
    }

    @Test
    void keeps_unknown_escapes_as_written() throws ParseFailure {
        assertThat(PythonStringLiteral.decode("\\d+\\.\\w", false)).isEqualTo("\\d+\\.\\w");
    }

    @Test
    void keeps_quotes_in_the_body() throws ParseFailure {
        assertThat(PythonStringLiteral.decode("it's", false)).isEqualTo("it's");
    }

    @Test
    void raw_bodies_are_not_decoded() throws ParseFailure {
        assertThat(PythonStringLiteral.decode("a\\nb", true)).isEqualTo("a\\nb");
    }

    @Test
    void a_truncated_escape_is_a_parse_failure() {
        assertThatThrownBy(() -> PythonStringLiteral.decode("C:\\Users", false)).isInstanceOf(ParseFailure.class); // \U wants 8 hex digits
        assertThatThrownBy(() -> PythonStringLiteral.decode("\\x4", false)).isInstanceOf(ParseFailure.class);
        assertThatThrownBy(() -> PythonStringLiteral.decode("\\U00110000", false)).isInstanceOf(ParseFailure.class);
        assertThatThrownBy(() -> PythonStringLiteral.decode("\\N{NO SUCH CHARACTER}", false)).isInstanceOf(ParseFailure.class);
        assertThatThrownBy(() -> PythonStringLiteral.decode("ends with \\", false)).isInstanceOf(ParseFailure.class);
    }

    @Test
    void repr_chooses_quotes_as_python_does() {
        assertThat(PythonStringLiteral.repr("it's")).isEqualTo("\"it's\"");
        assertThat(PythonStringLiteral.repr("say \"hi\"")).isEqualTo("'say \"hi\"'");
        assertThat(PythonStringLiteral.repr("both ' \"")).isEqualTo("'both \\' \"'");
    }

    @Test
    void repr_escapes_backslashes_and_unprintable_characters() {
        assertThat(PythonStringLiteral.repr("\\")).isEqualTo("'\\\\'");
        assertThat(PythonStringLiteral.repr("tab\there\n")).isEqualTo("'tab\\there\\n'");
        assertThat(PythonStringLiteral.repr("\u007f\u00a0\u00ad\u2028é\uD83D\uDE00\uDB40\uDC01"))
                .isEqualTo("'\\x7f\\xa0\\xad\\u2028é\uD83D\uDE00\\U000e0001'");
    }

    @Test
    void text_with_nul_or_half_a_surrogate_pair_is_not_typable() {
        assertThatThrownBy(() -> PythonStringLiteral.requireTypable("a\u0000", "text")).isInstanceOf(ParseFailure.class);
        assertThatThrownBy(() -> PythonStringLiteral.requireTypable("a\uD800b", "text")).isInstanceOf(ParseFailure.class);
        assertThatThrownBy(() -> PythonStringLiteral.requireTypable("\uDC00", "text")).isInstanceOf(ParseFailure.class);
    }

    @Test
    void text_with_whole_surrogate_pairs_is_typable() throws ParseFailure {
        assertThat(PythonStringLiteral.requireTypable("smile \uD83D\uDE00", "text")).isEqualTo("smile \uD83D\uDE00");
    }
}
