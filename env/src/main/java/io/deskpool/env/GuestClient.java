package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.env.spi.GuestAccess;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * HTTP calls to one VM's in-VM server (OSWorld's port 5000 protocol) and its Chrome DevTools HTTP endpoint.
 * A session makes a new client for every VM it gets: a reverted VM must not see connections pooled before the
 * revert, and a fresh client cannot have any. Every call is bounded by the caller's deadline, answer included, and
 * every answer by a size: the guest is untrusted, and an endless or dripped answer must not fill the heap or hold
 * the caller past its deadline.
 */
final class GuestClient {
    /** How long one plain call may take when the deadline leaves more (OSWorld's controller uses 10-120 s). */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    /** The most of any answer but a file's read (screenshots, command output, accessibility trees). */
    static final long ANSWER_MAX_BYTES = 64L * 1024 * 1024;

    private final VmEndpoints endpoints;
    private final HttpClient http;

    GuestClient(VmEndpoints endpoints, Executor executor) {
        this.endpoints = requireNonNull(endpoints, "endpoints is null");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(executor)
                .build();
    }

    VmEndpoints endpoints() {
        return endpoints;
    }

    /** {@code GET /terminal}: OSWorld's SetupController uses it to see that the VM answers. */
    JsonNode terminal(Deadline d) {
        return json(send("GET /terminal", get(endpoints.serverUri("/terminal"), d.cap(PROBE_TIMEOUT))));
    }

    /** Polls {@code /terminal} until it answers 200, at most {@code within}; the last failure otherwise. */
    void awaitReachable(Duration within, Deadline d) {
        Deadline probe = Deadline.after(d.cap(within));
        GuestException last = null;
        while (!probe.expired()) {
            try {
                terminal(probe);
                return;
            } catch (GuestException e) {
                last = e;
            }
            probe.sleep(Duration.ofMillis(500));
        }
        throw new GuestException(GuestException.Kind.UNREACHABLE, 0, "the VM's server did not answer GET /terminal within "
                + within.toSeconds() + " s" + (last == null ? "" : " (last: " + last.getMessage() + ")"), last);
    }

    /** {@code POST /execute} (or {@code /setup/execute}); an answer other than 200 is refused. */
    GuestAccess.CommandOutput execute(String path, JsonNode command, boolean shell, Deadline d) {
        ObjectNode body = EnvJson.MAPPER.createObjectNode();
        body.set("command", command);
        body.put("shell", shell);
        // The guest kills the command at its own timeout; keep it inside ours so we get its answer.
        long guestSeconds = Math.max(1, d.remaining().minusSeconds(2).toSeconds());
        body.put("timeout", guestSeconds);
        long start = System.nanoTime();
        HttpResponse<String> r = exchange("POST " + path, postJson(endpoints.serverUri(path), body, d.cap(CALL_TIMEOUT)),
                BoundedBody.text(ANSWER_MAX_BYTES));
        if (r.statusCode() / 100 != 2) {
            // An error that came once the command's time was up is the guest stopping it, not the command failing.
            boolean atDeadline = System.nanoTime() - start >= guestSeconds * 1_000_000_000L;
            throw atDeadline ? GuestException.stoppedAtDeadline("POST " + path, r.statusCode(), r.body(), guestSeconds)
                    : GuestException.refused("POST " + path, r.statusCode(), r.body());
        }
        JsonNode out = json(r);
        return new GuestAccess.CommandOutput(out.path("output").asText(""), out.path("error").asText(""),
                out.path("returncode").asInt(-1));
    }

    /** A POST of a JSON object to a setup route; the guest's answer text. */
    String postSetup(String path, JsonNode body, Duration timeout, Deadline d) {
        return send("POST " + path, postJson(endpoints.serverUri(path), body, d.cap(timeout))).body();
    }

    /** {@code POST /setup/upload}: multipart {@code file_path} + {@code file_data}, as OSWorld's controller sends. */
    void upload(String guestPath, Path localFile, Deadline d) {
        String boundary = "deskpool-" + UUID.randomUUID();
        String name = Path.of(guestPath).getFileName() == null ? "file" : Path.of(guestPath).getFileName().toString();
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file_path\"\r\n\r\n" + guestPath
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"file_data\"; filename=\""
                + name.replace("\"", "") + "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest.BodyPublisher file;
        try {
            file = HttpRequest.BodyPublishers.ofFile(localFile);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + localFile + ": " + e.getMessage(), e);
        }
        HttpRequest req = HttpRequest.newBuilder(endpoints.serverUri("/setup/upload"))
                .timeout(d.cap(Duration.ofMinutes(10)))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofString(head), file,
                        HttpRequest.BodyPublishers.ofString(tail)))
                .build();
        send("POST /setup/upload", req);
    }

    /**
     * {@code POST /file}: the file's bytes, or empty on 404. The VM is untrusted: more than {@code maxBytes} is
     * refused rather than read.
     */
    Optional<byte[]> file(String guestPath, long maxBytes, Deadline d) {
        HttpRequest req = HttpRequest.newBuilder(endpoints.serverUri("/file"))
                .timeout(d.cap(CALL_TIMEOUT))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("file_path=" + URLEncoder.encode(guestPath, StandardCharsets.UTF_8)))
                .build();
        HttpResponse<byte[]> r;
        try {
            r = exchange("POST /file", req, BoundedBody.bytes(maxBytes));
        } catch (GuestException e) {
            if (e.getCause() instanceof BoundedBody.TooLong) {
                throw EnvFailure.GETTER_FAILED.exception("the VM's file '" + guestPath + "' is larger than "
                        + "ENV_DOWNLOAD_MAX_MB (" + maxBytes / (1024 * 1024) + " MB)");
            }
            throw e;
        }
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        if (r.statusCode() != 200) {
            byte[] body = r.body();
            throw GuestException.refused("POST /file", r.statusCode(), new String(body, 0, Math.min(body.length, 4096),
                    StandardCharsets.UTF_8));
        }
        return Optional.of(r.body());
    }

    /** {@code GET /screenshot}: a PNG. */
    byte[] screenshot(Deadline d) {
        HttpRequest req = get(endpoints.serverUri("/screenshot"), d.cap(Duration.ofSeconds(30)));
        HttpResponse<byte[]> r = exchange("GET /screenshot", req, BoundedBody.bytes(ANSWER_MAX_BYTES));
        if (r.statusCode() != 200) {
            throw GuestException.refused("GET /screenshot", r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        }
        byte[] png = r.body();
        if (png.length < 8 || png[0] != (byte) 0x89 || png[1] != 'P' || png[2] != 'N' || png[3] != 'G') {
            throw GuestException.refused("GET /screenshot (not a PNG)", r.statusCode(), "");
        }
        return png;
    }

    /** {@code GET /accessibility}: the tree's XML ({@code AT}). */
    String accessibilityTree(Deadline d) {
        return json(send("GET /accessibility", get(endpoints.serverUri("/accessibility"), d.cap(CALL_TIMEOUT))))
                .path("AT").asText("");
    }

    /** {@code PUT /json/new?URL} on the CDP endpoint: opens a browser tab. */
    JsonNode openTab(String url, Deadline d) {
        URI uri = endpoints.cdpUri("/json/new?" + URLEncoder.encode(url, StandardCharsets.UTF_8));
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(d.cap(Duration.ofSeconds(30)))
                .PUT(HttpRequest.BodyPublishers.noBody()).build();
        return json(send("PUT /json/new", req));
    }

    /** The session's view for evaluator getters, bounded by the evaluation's deadline and a file size. */
    GuestAccess access(Deadline d, long maxFileBytes) {
        return new GuestAccess() {
            @Override
            public CommandOutput execute(JsonNode command, boolean shell) {
                return GuestClient.this.execute("/execute", command, shell, d);
            }

            @Override
            public Optional<byte[]> file(String path) {
                return GuestClient.this.file(path, maxFileBytes, d);
            }

            @Override
            public String terminalOutput() {
                return terminal(d).path("output").asText("");
            }

            @Override
            public String accessibilityTree() {
                return GuestClient.this.accessibilityTree(d);
            }
        };
    }

    private static HttpRequest get(URI uri, Duration timeout) {
        return HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    }

    private static HttpRequest postJson(URI uri, JsonNode body, Duration timeout) {
        return HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
    }

    private HttpResponse<String> send(String what, HttpRequest req) {
        HttpResponse<String> r = exchange(what, req, BoundedBody.text(ANSWER_MAX_BYTES));
        if (r.statusCode() / 100 != 2) {
            throw GuestException.refused(what, r.statusCode(), r.body());
        }
        return r;
    }

    /**
     * Sends {@code req} and reads the whole answer within the request's timeout (HttpClient's own timeout ends at the
     * answer's headers, so a guest dripping its body would hold the caller past its deadline otherwise).
     */
    private <T> HttpResponse<T> exchange(String what, HttpRequest req, HttpResponse.BodyHandler<T> handler) {
        Duration timeout = req.timeout().orElse(CALL_TIMEOUT);
        CompletableFuture<HttpResponse<T>> answer = http.sendAsync(req, handler);
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw noAnswerWithin(what, timeout, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HttpTimeoutException) {
                throw noAnswerWithin(what, timeout, cause);
            }
            if (cause instanceof BoundedBody.TooLong tooLong) {
                throw new GuestException(GuestException.Kind.REFUSED, 0, what + " answered more than "
                        + tooLong.limit() + " bytes", tooLong);
            }
            throw new GuestException(GuestException.Kind.UNREACHABLE, 0, what + " failed: "
                    + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()), cause);
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new GuestException(GuestException.Kind.TIMEOUT, 0, what + " was interrupted", e);
        }
    }

    private static GuestException noAnswerWithin(String what, Duration timeout, Throwable cause) {
        return new GuestException(GuestException.Kind.TIMEOUT, 0, what + " got no answer within "
                + timeout.toMillis() / 1000.0 + " s", cause);
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return EnvJson.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw GuestException.refused(r.request().method() + " " + r.uri().getPath() + " (not JSON)", r.statusCode(), r.body());
        }
    }
}
