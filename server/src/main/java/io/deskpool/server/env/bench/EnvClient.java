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

    JsonNode post(String path, ObjectNode body, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
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
