package io.deskpool.server.env;

import io.deskpool.env.EnvJson;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;

/** HTTP calls to the env API for tests: status, headers and body (parsed as JSON when it is). */
final class EnvCalls {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    EnvCalls(String base) {
        this.base = base;
    }

    record Reply(int status, byte[] bytes, java.net.http.HttpHeaders headers) {
        String body() {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return EnvJson.MAPPER.readTree(bytes);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body(), e);
            }
        }

        /** The error reason of a failed call ({@code details.reason}). */
        String reason() {
            return json().path("details").path("reason").asText();
        }

        /** The observation's screenshot, decoded. */
        byte[] screenshot() {
            return Base64.getDecoder().decode(json().path("observation").path("screenshot").asText());
        }

        Reply created() {
            if (status != 201) {
                throw new AssertionError("expected 201, got " + status + ": " + body());
            }
            return this;
        }

        Reply ok() {
            if (status != 200) {
                throw new AssertionError("expected 200, got " + status + ": " + body());
            }
            return this;
        }
    }

    Reply post(String path, String token, String json) {
        return send("POST", path, token, json);
    }

    Reply get(String path, String token) {
        return send("GET", path, token, null);
    }

    Reply send(String method, String path, String token, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (json != null) {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
