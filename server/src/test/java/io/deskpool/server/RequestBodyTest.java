package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.pool.VmState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static io.deskpool.server.MemoryServerBed.ADMIN;
import static io.deskpool.server.MemoryServerBed.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

/** Request bodies are bounded whatever their framing, read only after the caller is known, and parsed before acting. */
class RequestBodyTest {
    private static final String GARBAGE = "not json {";

    @TempDir
    Path state;
    private MemoryServerBed bed;

    @AfterEach
    void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    /** An endless chunked body: ~16 MB of a JSON string that never closes. */
    private static InputStream endlessJsonString(AtomicLong sent) {
        byte[] head = "{\"emulator_id\":\"".getBytes(StandardCharsets.US_ASCII);
        return new InputStream() {
            @Override
            public int read() {
                long n = sent.getAndIncrement();
                return n < head.length ? head[(int) n] : n < 16_000_000 ? 'x' : -1;
            }
        };
    }

    @Test
    void a_chunked_body_over_the_limit_is_refused_with_413() throws Exception {
        bed = MemoryServerBed.start(state, Map.of("MAX_BODY_BYTES", "4096"));
        AtomicLong sent = new AtomicLong();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bed.server.port() + "/stop_emulator"))
                .header("Authorization", "Bearer " + ALICE).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> endlessJsonString(sent)))
                .timeout(Duration.ofSeconds(30)).build();

        HttpResponse<String> r;
        try {
            r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException closedWhileSending) {
            throw new AssertionError("the server closed the connection without an answer after " + sent.get() + " bytes", closedWhileSending);
        }

        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(JsonBody.MAPPER.readTree(r.body()).path("error").asText()).isEqualTo("payload_too_large");
    }

    /** Sends headers and the start of a chunked body that never ends, and reads the status line. */
    private String statusOfUnfinishedChunkedPost(String path, String token) throws IOException {
        return statusOfUnfinishedChunkedBody("POST", path, token);
    }

    private String statusOfUnfinishedChunkedBody(String method, String path, String token) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", bed.server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            String chunk = "{\"emulator_id\":\"";
            out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] line = new byte[12];
            int n = socket.getInputStream().readNBytes(line, 0, line.length);
            return new String(line, 0, n, StandardCharsets.US_ASCII);
        }
    }

    @Test
    void an_unknown_caller_is_refused_before_its_body_is_read() throws Exception {
        bed = MemoryServerBed.start(state, Map.of());

        assertThat(statusOfUnfinishedChunkedPost("/stop_emulator", "not-a-known-token")).isEqualTo("HTTP/1.1 403");
        assertThat(statusOfUnfinishedChunkedPost("/v1/leases", "not-a-known-token")).isEqualTo("HTTP/1.1 403");
        assertThat(statusOfUnfinishedChunkedPost("/v1/leases/x/fork", "not-a-known-token")).isEqualTo("HTTP/1.1 403");
    }

    /** Every route that takes a body, with a token this server does not know: each answers without waiting for it. */
    @Test
    void every_route_with_a_body_refuses_an_unknown_caller_before_reading_it() throws Exception {
        bed = MemoryServerBed.start(state, Map.of());
        String[][] routes = {
                {"POST", "/start_emulator"}, {"POST", "/stop_emulator"}, {"DELETE", "/emulators/x"},
                {"POST", "/stop_all_emulators"}, {"POST", "/remove_all_containers"}, {"POST", "/set_token_limit"},
                {"POST", "/v1/leases"}, {"POST", "/v1/leases/x/heartbeat"}, {"DELETE", "/v1/leases/x"},
                {"POST", "/v1/leases/x/broken"}, {"POST", "/v1/leases/x/fork"}, {"DELETE", "/v1/vms/x"},
                {"PUT", "/v1/tokens/x"}, {"DELETE", "/v1/tokens/x"}, {"POST", "/v1/vms/x/vnc-ticket"},
                {"POST", "/v1/sessions"}, {"POST", "/v1/sessions/x/reset"}, {"POST", "/v1/sessions/x/step"},
                {"POST", "/v1/sessions/x/evaluate"}, {"POST", "/v1/sessions/x/fork"}, {"DELETE", "/v1/sessions/x"},
                {"POST", "/env/reset"}, {"POST", "/env/step"}, {"POST", "/env/evaluate"}, {"POST", "/env/fork"},
                {"POST", "/env/history_messages"}};
        var statuses = new java.util.LinkedHashMap<String, String>();
        for (String[] r : routes) {
            String status;
            try {
                status = statusOfUnfinishedChunkedBody(r[0], r[1], "not-a-known-token");
            } catch (java.net.SocketTimeoutException waitedForTheBody) {
                status = "no answer: the server waited for the body";
            }
            statuses.put(r[0] + " " + r[1], status);
        }

        assertThat(statuses).allSatisfy((route, status) -> assertThat(status).as(route).isEqualTo("HTTP/1.1 403"));
    }

    @Test
    void garbage_bodies_change_nothing() throws Exception {
        bed = MemoryServerBed.start(state, Map.of("POOL_WARM", "2", "TOKENS", ALICE + ":5"));
        HttpCalls http = bed.http;
        JsonNode lease = http.post("/v1/leases", ALICE, "{\"wait_seconds\": 5}").json();
        String leaseId = lease.path("lease_id").asText();
        String vmId = lease.path("vm_id").asText();
        String emulator = http.post("/start_emulator", ALICE, "{}").json().path("data").path("emulator_id").asText();
        http.put("/v1/tokens/carol", ADMIN, "{\"limit\": 1}");
        for (int i = 0; i < 250 && bed.server.pool().status().count(VmState.WARM) < 2; i++) {
            Thread.sleep(20);
        }
        int vms = bed.server.pool().status().total();

        var refused = Map.of(
                "start_emulator", http.post("/start_emulator", ALICE, GARBAGE).status(),
                "stop_all_emulators", http.post("/stop_all_emulators", ALICE, GARBAGE).status(),
                "stop_emulator", http.send("DELETE", "/emulators/" + emulator, ALICE, GARBAGE, Duration.ofSeconds(10)).status(),
                "heartbeat", http.post("/v1/leases/" + leaseId + "/heartbeat", ALICE, GARBAGE).status(),
                "release", http.send("DELETE", "/v1/leases/" + leaseId, ALICE, GARBAGE, Duration.ofSeconds(10)).status(),
                "broken", http.post("/v1/leases/" + leaseId + "/broken", ALICE, GARBAGE).status(),
                "destroy_vm", http.send("DELETE", "/v1/vms/" + vmId, ALICE, GARBAGE, Duration.ofSeconds(10)).status(),
                "remove_all", http.post("/remove_all_containers", ADMIN, GARBAGE).status(),
                "delete_token", http.send("DELETE", "/v1/tokens/carol", ADMIN, GARBAGE, Duration.ofSeconds(10)).status());

        assertThat(refused).allSatisfy((route, status) -> assertThat(status).as(route).isEqualTo(400));
        assertThat(bed.server.pool().leases()).extracting(l -> l.id()).containsExactlyInAnyOrder(leaseId, emulator);
        assertThat(bed.server.pool().lease(leaseId).orElseThrow().expiresAt().toString())
                .isEqualTo(lease.path("expires_at").asText());
        assertThat(bed.server.pool().status().total()).isEqualTo(vms);
        assertThat(bed.server.pool().quotas().isKnown("carol")).isTrue();
    }

    @Test
    void a_number_too_long_for_the_parser_is_a_400() {
        bed = MemoryServerBed.start(state, Map.of());

        HttpCalls.Reply r = bed.http.post("/v1/leases", ALICE, "{\"wait_seconds\": " + "9".repeat(5000) + "}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("message").asText()).startsWith("request body is not valid JSON");
        assertThat(bed.server.pool().leases()).isEmpty();
    }

    @Test
    void a_min_age_beyond_any_date_removes_nothing() throws Exception {
        bed = MemoryServerBed.start(state, Map.of());
        for (int i = 0; i < 250 && bed.server.pool().status().count(VmState.WARM) < 1; i++) {
            Thread.sleep(20);
        }

        HttpCalls.Reply r = bed.http.post("/remove_all_containers", ADMIN, "{\"min_age\": 1e15}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("removed_count").asInt()).isZero();
        assertThat(bed.server.pool().status().count(VmState.WARM)).isEqualTo(1);
    }

    @Test
    void an_over_long_uri_or_header_gets_a_json_error() throws Exception {
        bed = MemoryServerBed.start(state, Map.of());
        HttpClient client = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + bed.server.port();

        HttpResponse<String> uri = client.send(HttpRequest.newBuilder(URI.create(base + "/status?x=" + "a".repeat(20_000))).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> header = client.send(HttpRequest.newBuilder(URI.create(base + "/status"))
                .header("X-Padding", "a".repeat(20_000)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(uri.statusCode()).isEqualTo(414);
        assertThat(uri.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(JsonBody.MAPPER.readTree(uri.body()).path("code").asInt()).isEqualTo(414);
        assertThat(header.statusCode()).isEqualTo(431);
        assertThat(JsonBody.MAPPER.readTree(header.body()).path("error").asText()).isEqualTo("headers_too_large");
    }
}
