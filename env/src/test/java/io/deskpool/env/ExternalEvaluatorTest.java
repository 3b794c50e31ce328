package io.deskpool.env;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.env.eval.ExternalEvaluator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The external-evaluator hook against a real command: the shell script in the test resources. */
class ExternalEvaluatorTest {
    @TempDir
    Path work;

    static Path script() throws Exception {
        return ExternalEvaluatorScript.copyTo(Files.createTempDirectory("deskpool-external-"));
    }

    private ExternalEvaluator evaluator(Duration timeout) throws Exception {
        return new ExternalEvaluator(List.of("sh", script().toString()), timeout);
    }

    private ObjectNode request(String func, String resultPath) {
        ObjectNode r = EnvJson.MAPPER.createObjectNode();
        r.put("func", func);
        r.put("result", resultPath);
        r.put("artefact_dir", work.toString());
        return r;
    }

    @Test
    void the_command_reads_the_request_and_fetched_files_and_prints_a_score() throws Exception {
        Path yes = Files.writeString(work.resolve("result.txt"), "yes indeed");
        Path no = Files.writeString(work.resolve("other.txt"), "nope");

        assertThat(evaluator(Duration.ofSeconds(20)).score(request("file_says_yes", yes.toString()), work, Duration.ofSeconds(20)))
                .isEqualTo(1.0);
        assertThat(evaluator(Duration.ofSeconds(20)).score(request("file_says_yes", no.toString()), work, Duration.ofSeconds(20)))
                .isEqualTo(0.0);
    }

    @Test
    void a_failing_command_is_an_error_with_its_stderr() {
        assertThatThrownBy(() -> evaluator(Duration.ofSeconds(20)).score(request("crash", ""), work, Duration.ofSeconds(20)))
                .isInstanceOf(DeskpoolException.class)
                .hasMessageContaining("exited with status 3").hasMessageContaining("metric blew up");
        assertThatThrownBy(() -> evaluator(Duration.ofSeconds(20)).score(request("no_score", ""), work, Duration.ofSeconds(20)))
                .hasMessageContaining("printed no score");
    }

    @Test
    void a_command_past_its_deadline_is_stopped() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> evaluator(Duration.ofSeconds(60)).score(request("sleep_forever", ""), work, Duration.ofSeconds(1)))
                .hasMessageContaining("did not finish within 1.0 s");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    }
}
