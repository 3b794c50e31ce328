package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.env.builtin.CompareFileHash;
import io.deskpool.env.builtin.CompareTextFile;
import io.deskpool.env.builtin.Rule;
import io.deskpool.env.eval.Evaluation;
import io.deskpool.env.eval.EvaluatorSpec;
import io.deskpool.env.eval.Evaluators;
import io.deskpool.env.eval.MetricThreads;
import io.deskpool.env.spi.EvalContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Metrics read only the files the evaluation fetched into its own directory: a task's {@code rule} (or a VM's
 * command output) naming a host path gets a 403 that reads the same whether that host file exists or not.
 */
class EvaluatorFileAccessTest {
    @TempDir
    Path work;
    @TempDir
    Path host;

    private final Evaluation evaluation = new Evaluation(
            new Evaluators(List.of(new CompareFileHash(), new CompareTextFile()), List.of(new Rule())),
            Optional.empty(), new MetricThreads(Duration.ofSeconds(20), 4), 1024 * 1024);

    private EvalContext ctx() {
        return new OfflineEvalContext(work);
    }

    private double hashOf(String path, String sha256) throws Exception {
        return score("""
                {"func": "compare_file_hash", "result": {"type": "rule", "rules": "%s"},
                 "expected": {"type": "rule", "rules": {"expected": "%s"}}}""".formatted(path, sha256));
    }

    private double sameText(String actual, String expected) throws Exception {
        return score("""
                {"func": "compare_text_file", "result": {"type": "rule", "rules": "%s"},
                 "expected": {"type": "rule", "rules": "%s"}}""".formatted(actual, expected));
    }

    private double score(String evaluator) throws Exception {
        EvaluatorSpec spec = EvaluatorSpec.parse(EnvJson.MAPPER.readTree(evaluator));
        return evaluation.score(spec, evaluation.plan(spec), "", ctx(), Function.identity(), () -> Duration.ofSeconds(20)).score();
    }

    private static DeskpoolException refused(ThrowingScore call) {
        DeskpoolException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> catchThrowableOfType(DeskpoolException.class, call::run));
        assertThat(e).isNotNull();
        assertThat(EnvFailure.FILE_REFUSED.is(e)).as(e.getMessage()).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN);
        return e;
    }

    private interface ThrowingScore {
        double run() throws Exception;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void a_file_in_the_evaluations_directory_is_read() throws Exception {
        Path fetched = Files.writeString(work.resolve("result.txt"), "fetched");

        assertThat(hashOf(fetched.toString(), sha256("fetched".getBytes()))).isEqualTo(1.0);
        assertThat(hashOf("result.txt", sha256("fetched".getBytes()))).isEqualTo(1.0);
    }

    @Test
    void a_host_file_named_by_a_rule_is_refused_even_against_its_right_hash() throws Exception {
        Path secret = Files.writeString(host.resolve("shadow"), "root:$6$secret");

        refused(() -> hashOf(secret.toString(), sha256("root:$6$secret".getBytes())));
        refused(() -> hashOf("/etc/shadow", sha256(new byte[0])));
    }

    @Test
    void the_refusal_reads_the_same_whether_the_host_file_exists_or_not() throws Exception {
        Path exists = Files.writeString(host.resolve("exists"), "x");
        Path missing = host.resolve("missin");

        String a = refused(() -> hashOf(exists.toString(), sha256("x".getBytes()))).getMessage();
        String b = refused(() -> hashOf(missing.toString(), sha256("x".getBytes()))).getMessage();

        assertThat(a.replace(exists.toString(), "P")).isEqualTo(b.replace(missing.toString(), "P"));
    }

    @Test
    void a_path_climbing_out_of_the_directory_is_refused() throws Exception {
        Files.writeString(host.resolve("secret.txt"), "s");
        Files.writeString(work.resolve("mine.txt"), "s");
        String climb = "../" + host.getFileName() + "/secret.txt";

        refused(() -> sameText(climb, "mine.txt"));
        refused(() -> sameText(work.resolve(climb).toString(), "mine.txt"));
    }

    @Test
    void a_link_out_of_the_directory_is_refused() throws Exception {
        Path secret = Files.writeString(host.resolve("secret.txt"), "s");
        Files.writeString(work.resolve("mine.txt"), "s");
        Path link = Files.createSymbolicLink(work.resolve("link.txt"), secret);

        refused(() -> sameText(link.toString(), "mine.txt"));
    }

    @Test
    void a_device_is_refused_at_once_rather_than_read_without_end() throws Exception {
        Files.writeString(work.resolve("mine.txt"), "s");

        refused(() -> sameText("/dev/zero", "mine.txt"));
        refused(() -> hashOf("/dev/zero", sha256(new byte[0])));
    }

    @Test
    void a_file_over_the_size_limit_is_refused() throws Exception {
        Path big = Files.write(work.resolve("big.bin"), new byte[1024 * 1024 + 1]);

        assertThat(refused(() -> hashOf(big.toString(), sha256(new byte[0]))).getMessage()).contains("larger than");
    }
}
