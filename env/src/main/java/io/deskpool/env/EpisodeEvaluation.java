package io.deskpool.env;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.env.eval.Evaluation;
import io.deskpool.env.eval.EvaluatorSpec;
import io.deskpool.env.spi.EvalContext;
import io.deskpool.env.spi.GuestAccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code /env/evaluate} for one session: the evaluator's postconfig, then the metrics with their getters in a
 * directory private to this evaluation (deleted afterwards), all under ENV_EVALUATE_TIMEOUT. A VM that stops
 * answering is handed in as lost.
 */
final class EpisodeEvaluation {
    private static final Logger log = LoggerFactory.getLogger(EpisodeEvaluation.class);

    private final Evaluation evaluation;
    private final SetupRunner setup;
    private final FileDownloader downloader;
    private final SessionLeases leases;
    private final Duration timeout;
    private final long maxFileBytes;

    EpisodeEvaluation(Evaluation evaluation, SetupRunner setup, FileDownloader downloader, SessionLeases leases,
                      Duration timeout, long maxFileBytes) {
        this.evaluation = evaluation;
        this.setup = setup;
        this.downloader = downloader;
        this.leases = leases;
        this.timeout = timeout;
        this.maxFileBytes = maxFileBytes;
    }

    /** Evaluates the session's episode; its lease is live and it has a task. */
    EvaluationResult evaluate(EnvSession s) {
        EvaluatorSpec spec = s.task.evaluator().orElseThrow(() -> EnvFailure.NO_EVALUATOR.exception(
                "task '" + s.task.id() + "' has no evaluator, so there is nothing to score"));
        List<Evaluation.Route> routes = evaluation.plan(spec);
        long t0 = System.nanoTime();
        Deadline d = Deadline.after(timeout);
        Path work = null;
        Evaluation.Outcome outcome;
        try {
            List<SetupReport> post = setup.run(s.task.postconfig(), s.owner, s.guest, d);
            work = Files.createTempDirectory("deskpool-eval-");
            EvalContext ctx = context(s.owner, s.guest.access(d, maxFileBytes), work, d);
            VmEndpoints e = s.guest.endpoints();
            outcome = evaluation.score(spec, routes, s.lastAction, ctx, req -> external(req, s, e),
                    (Supplier<Duration>) d::remaining);
            log.info("Env session {} evaluated task '{}': {} ({}; {} postconfig steps)", s.id, s.task.id(), outcome.score(),
                    outcome.decidedBy(), post.size());
        } catch (GuestException e) {
            if (e.vmInDoubt()) {
                throw leases.vmLost(s, e, "evaluate", d);
            }
            throw EnvFailure.GUEST_REFUSED.exception("evaluation: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(work);
        }
        return new EvaluationResult(s.publish(), s.task.id(), outcome.score(), outcome.metrics().stream()
                .map(m -> new EvaluationResult.MetricScore(m.index(), m.func(), m.score(), m.by())).toList(),
                outcome.decidedBy(), Duration.ofNanos(System.nanoTime() - t0), false);
    }

    private EvalContext context(String owner, GuestAccess guest, Path work, Deadline d) {
        return new EvalContext() {
            @Override
            public GuestAccess guest() {
                return guest;
            }

            @Override
            public Path workDir() {
                return work;
            }

            @Override
            public Path download(String url, String fileName) {
                Path local = work.resolve(Path.of(fileName).getFileName().toString());
                try (DownloadCache.Entry cached = downloader.fetch(owner, url, d)) {
                    Files.copy(cached.path(), local, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return local;
            }
        };
    }

    /** The session's facts an external evaluator may need: the VM's endpoints, the task and session ids. */
    private static ObjectNode external(ObjectNode req, EnvSession s, VmEndpoints e) {
        ObjectNode vm = req.putObject("vm");
        vm.put("host", e.host());
        vm.put("server_port", e.serverPort());
        vm.put("chromium_port", e.cdpPort());
        vm.put("vnc_port", e.vncPort());
        vm.put("vlc_port", e.vlcPort());
        req.put("task_id", s.task.id());
        req.put("session_id", s.id);
        return req;
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temp dir
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
