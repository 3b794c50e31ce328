package io.deskpool.env.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.env.EnvFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The hook for OSWorld's Python metrics: a configured command ({@code EXTERNAL_EVALUATOR}) gets one metric's
 * request as JSON on stdin (the whole evaluator, the metric's index, name, options, the values Deskpool fetched
 * and the directory holding fetched files, plus the VM's endpoints so it can fetch what Deskpool could not) and
 * prints a score on stdout: a number, or {@code {"score": number}}, on its last non-empty line. A non-zero exit,
 * no number, or running past its deadline fails the evaluation with the command's stderr.
 *
 * <p>It runs as a process of its own, so its deadline is enforced by killing it (and its children): a metric stuck
 * on endless input keeps no core busy past it. Only the last MB of its stdout and
 * stderr are read. It is the operator's code and Deskpool cannot confine which files it opens: like a built-in
 * metric it must open only files inside {@code artefact_dir}, since a value naming any other path came from the
 * task or the VM (OSWorld's Python metrics open whatever path they are handed).
 */
public final class ExternalEvaluator {
    private static final Logger log = LoggerFactory.getLogger(ExternalEvaluator.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_OUTPUT_CHARS = 1 << 20;

    private final List<String> command;
    private final Duration timeout;

    public ExternalEvaluator(List<String> command, Duration timeout) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command is empty");
        }
        this.command = List.copyOf(command);
        this.timeout = timeout;
    }

    /** Runs the command in {@code workDir}; at most the configured timeout and at most {@code timeLeft}. */
    public double score(ObjectNode request, Path workDir, Duration timeLeft) {
        Duration limit = timeLeft.compareTo(timeout) < 0 ? timeLeft : timeout;
        String func = request.path("func").asText();
        Path in = workDir.resolve("external-request.json");
        Path out = workDir.resolve("external-stdout.txt");
        Path err = workDir.resolve("external-stderr.txt");
        Process p;
        try {
            Files.writeString(in, JSON.writeValueAsString(request));
            p = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        } catch (IOException e) {
            throw failure(func, "could not start " + command.get(0) + ": " + e.getMessage(), e);
        }
        try {
            if (!p.waitFor(Math.max(1, limit.toMillis()), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw failure(func, "did not finish within " + limit.toMillis() / 1000.0 + " s", null);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw failure(func, "interrupted", e);
        }
        String stdout = read(out);
        String stderr = read(err);
        if (p.exitValue() != 0) {
            throw failure(func, "exited with status " + p.exitValue() + tail(stderr), null);
        }
        String last = stdout.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce((a, b) -> b).orElse("");
        double score;
        try {
            JsonNode n = JSON.readTree(last);
            JsonNode v = n != null && n.isObject() ? n.path("score") : n;
            if (v == null || !v.isNumber()) {
                throw new IOException("not a number");
            }
            score = v.asDouble();
        } catch (IOException e) {
            throw failure(func, "printed no score (last line: '" + (last.length() > 200 ? last.substring(0, 200) : last)
                    + "')" + tail(stderr), null);
        }
        if (!Double.isFinite(score)) {
            throw failure(func, "printed a score that is not finite: " + last, null);
        }
        log.debug("External evaluator scored {} = {}", func, score);
        return score;
    }

    /** The file's last {@link #MAX_OUTPUT_CHARS} bytes as text: a command may print without end. */
    private static String read(Path f) {
        try (var ch = Files.newByteChannel(f)) {
            long size = ch.size();
            ch.position(Math.max(0, size - MAX_OUTPUT_CHARS));
            var buf = java.nio.ByteBuffer.allocate((int) Math.min(size, MAX_OUTPUT_CHARS));
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // fill
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String stderr) {
        String s = stderr.strip();
        if (s.isEmpty()) {
            return "";
        }
        return "; stderr: " + (s.length() > 500 ? "..." + s.substring(s.length() - 500) : s);
    }

    private static DeskpoolException failure(String func, String what, Throwable cause) {
        return EnvFailure.EXTERNAL_EVALUATOR_FAILED.exception("external evaluator for metric '" + func + "' " + what,
                Map.of("func", func), cause);
    }
}
