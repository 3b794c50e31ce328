package io.deskpool.server.env.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.env.EnvJson;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** A minimal client of the env API, as a training cluster's rollout worker would use it. */
final class EnvClient {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final Optional<String> token;

    EnvClient(String base, Optional<String> token) {
        this.base = base;
        this.token = token;
    }

    /** A failed call: the HTTP status and the server's JSON error. */
    static final class CallFailed extends RuntimeException {
        final int status;

        CallFailed(String path, int status, String body) {
            super(path + " -> HTTP " + status + ": " + (body.length() > 300 ? body.substring(0, 300) : body));
            this.status = status;
        }
    }

    /** Retries that found no free VM in time (503) count here, as a training client with backoff would retry. */
    final java.util.concurrent.atomic.AtomicInteger retries = new java.util.concurrent.atomic.AtomicInteger();

    JsonNode post(String path, ObjectNode body, Duration timeout) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), path);
    }

    /** GET returning the raw body (a screenshot). */
    byte[] getBytes(String path, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).GET();
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() / 100 != 2) {
                throw new CallFailed(path, r.statusCode(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
            }
            return r.body();
        } catch (IOException e) {
            throw new CallFailed(path, 0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailed(path, 0, "interrupted");
        }
    }

    /** POST to an absolute URL (a VM's own server, whose endpoints the session view gives its owner). */
    JsonNode postTo(String url, ObjectNode body, Duration timeout) {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), url);
    }

    JsonNode delete(String path, Duration timeout) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).DELETE(), path);
    }

    JsonNode postWithRetryOn503(String path, ObjectNode body, Duration timeout) {
        for (int attempt = 1; ; attempt++) {
            try {
                return post(path, body, timeout);
            } catch (CallFailed e) {
                if (e.status != 503 || attempt >= 5) {
                    throw e;
                }
                retries.incrementAndGet();
                try {
                    Thread.sleep(1000L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private JsonNode send(HttpRequest.Builder b, String path) {
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new CallFailed(path, r.statusCode(), r.body());
            }
            return EnvJson.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new CallFailed(path, 0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailed(path, 0, "interrupted");
        }
    }
}
