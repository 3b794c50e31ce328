package io.deskpool.server.chaos;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The chaos command's arguments: what it prints where before any run starts. */
class ChaosCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ChaosCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void help_prints_the_usage_on_standard_output_and_succeeds() {
        int status = run("--help");

        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Usage: java -jar deskpool.jar chaos");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void a_bad_option_prints_what_is_wrong_and_the_usage_on_standard_error_and_fails() {
        int status = run("--minutes", "soon");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("deskpool chaos: ").contains("Usage:");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
