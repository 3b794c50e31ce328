package io.deskpool.server.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The chaos clients' HTTP: every call has a deadline and never throws; a server or guest that cannot be reached
 * is status {@link #UNREACHABLE}. Calls to guests use a fresh connection each (one from before a revert is stale).
 */
final class ChaosHttp {
    static final int UNREACHABLE = -1;
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient pooled = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();

    /** A reply: its status, body, and the time the request was sent and the answer came (System.nanoTime). */
    record Reply(int status, String body, long sentNanos, long receivedNanos) {
        JsonNode json() {
            try {
                return body.isEmpty() ? MissingNode.getInstance() : JSON.readTree(body);
            } catch (IOException e) {
                return MissingNode.getInstance();
            }
        }

        String error() {
            return json().path("error").asText("");
        }

        boolean reachable() {
            return status != UNREACHABLE;
        }
    }

    Reply send(String method, String url, String token, String json, Duration timeout) {
        return send(pooled, method, url, token, json, timeout);
    }

    /** A call on a connection of its own, for the in-VM servers. */
    Reply sendFresh(String method, String url, String json, Duration timeout) {
        HttpClient fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                .version(HttpClient.Version.HTTP_1_1).build();
        return send(fresh, method, url, null, json, timeout);
    }

    private static Reply send(HttpClient client, String method, String url, String token, String json, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (json != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        long sent = System.nanoTime();
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body(), sent, System.nanoTime());
        } catch (IOException e) {
            return new Reply(UNREACHABLE, String.valueOf(e.getMessage()), sent, System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(UNREACHABLE, "interrupted", sent, System.nanoTime());
        }
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
