package io.deskpool.server.env;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.EnvJson;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What Python's {@code requests.post(url, json=body, timeout=t)} followed by {@code r.raise_for_status()} and
 * {@code r.json()} does, as the ARPO and ENVS clients call it: no token, JSON body, the timeout on the whole call,
 * an HTTP error status raised as an exception. Every call's status is recorded so tests can see what the client saw.
 */
final class RemoteEnvHttp {
    /** {@code requests.exceptions.HTTPError}: the server answered 4xx or 5xx. */
    static final class HttpError extends RuntimeException {
        final int status;

        HttpError(String url, int status, String body) {
            super(status + " Error for url: " + url + " " + (body.length() > 300 ? body.substring(0, 300) : body));
            this.status = status;
        }
    }

    /** One call as it went: path and status (0 when no answer came). */
    record Seen(String path, int status) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    final List<Seen> seen = new CopyOnWriteArrayList<>();

    JsonNode post(String url, String json, Duration timeout) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        String path = URI.create(url).getPath();
        HttpResponse<String> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            seen.add(new Seen(path, 0));
            throw new IllegalStateException("ConnectionError/Timeout: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        seen.add(new Seen(path, r.statusCode()));
        if (r.statusCode() >= 400) {
            throw new HttpError(url, r.statusCode(), r.body());
        }
        try {
            return EnvJson.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("JSONDecodeError: " + r.body(), e);
        }
    }

    static String json(Object value) {
        try {
            return EnvJson.MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Python's {@code float(x)} of a decoded JSON value: numbers, booleans and numeric strings; else TypeError. */
    static double pyFloat(JsonNode v) {
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isBoolean()) {
            return v.asBoolean() ? 1.0 : 0.0;
        }
        if (v.isTextual()) {
            return Double.parseDouble(v.asText().strip());
        }
        throw new IllegalArgumentException("TypeError: float() argument must be a string or a real number, not '"
                + v.getNodeType() + "'");
    }
}
