package io.deskpool.server.env;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.deskpool.core.net.Cidr;
import io.deskpool.core.net.HostNetworks;
import io.deskpool.core.settings.Settings;
import io.deskpool.env.EnvJson;
import io.deskpool.server.DeskpoolServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a task can make the host fetch or read, on real QEMU guests (the test desktop guest).
 *
 * <p>The host fetches a task's {@code download} steps and {@code cloud_file} getters for the caller:
 * (the test desktop guest), URLs that lead to loopback, link-local (the metadata service), private addresses, this
 * host's own addresses, or that redirect from an allowed server to one of those, are refused with a 403
 * ({@code details.reason download_refused}), nothing is fetched and nothing is put in the VM. The server's
 * ENV_DOWNLOAD_ALLOW names one loopback test server (127.0.0.2), which stays reachable. The listeners that must not
 * be reached count every request they get.
 *
 * <p>An {@code upload_file} step's {@code local_path} names a file in ENV_UPLOAD_DIR: a link there that leads out
 * is refused like a path out.
 */
class TaskHostAccessTest {
    private static final String TOKEN = "alpha-download-guard";
    private static final String SECRET = "host-secret";

    private static Path state;
    private static DeskpoolServer server;
    private static EnvCalls http;
    /** Stands for the host's own services on loopback (the API's /request_logs, another VM's /screenshot). */
    private static Listener internal;
    /** The same, on one of this host's own non-loopback addresses, if it has one. */
    private static Optional<Listener> ownAddress;
    /** The allow-listed file server: serves files and redirects. */
    private static Listener allowed;
    private static String session;

    /** A real HTTP server on one address that counts the requests it gets. */
    private record Listener(HttpServer server, AtomicInteger hits) {
        static Listener on(String address) throws IOException {
            AtomicInteger hits = new AtomicInteger();
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 0);
            s.createContext("/", x -> {
                hits.incrementAndGet();
                try (x) {
                    String q = x.getRequestURI().getRawQuery();
                    if (x.getRequestURI().getPath().equals("/redirect") && q != null && q.startsWith("to=")) {
                        x.getResponseHeaders().add("Location", q.substring(3));
                        x.sendResponseHeaders(302, -1);
                        return;
                    }
                    byte[] body = (x.getRequestURI().getPath().equals("/gold.txt") ? "gold\n" : SECRET)
                            .getBytes(StandardCharsets.UTF_8);
                    x.sendResponseHeaders(200, body.length);
                    x.getResponseBody().write(body);
                }
            });
            s.start();
            return new Listener(s, hits);
        }

        String url(String path) {
            return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort() + path;
        }

        void stop() {
            server.stop(0);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        state = Files.createTempDirectory("deskpool-download-guard-");
        internal = Listener.on("127.0.0.1");
        allowed = Listener.on("127.0.0.2");
        ownAddress = HostNetworks.current().stream().filter(c -> c.prefix() == 32).map(Cidr::firstAddress).findFirst()
                .map(a -> {
                    try {
                        return Listener.on(a);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
        if (ownAddress.isEmpty()) {
            System.out.println("TaskHostAccessTest: this host has no non-loopback IPv4 address; "
                    + "the own-address case is left out");
        }
        var s = new HashMap<String, String>(Map.of("PROVIDER", "qemu", "STATE_DIR", state.toString(), "HOST", "127.0.0.1",
                "PORT", "0", "TOKENS", TOKEN + ":2", "POOL_SIZE", "2", "POOL_WARM", "2", "VM_READY_TIMEOUT", "240",
                "ENV_RESET_WAIT", "600", "ENV_DOWNLOAD_ALLOW", "127.0.0.2"));
        s.put("ENV_CACHE_DIR", state.resolve("cache").toString());
        Path uploads = Files.createDirectories(state.resolve("uploads"));
        Files.writeString(uploads.resolve("notes.txt"), "notes\n");
        Files.createSymbolicLink(uploads.resolve("link.txt"), Files.writeString(state.resolve("host-secret.txt"), SECRET));
        s.put("ENV_UPLOAD_DIR", uploads.toString());
        SessionGuestTest.guestImage().ifPresent(qcow2 -> s.put("PATH_TO_VM", qcow2));
        server = DeskpoolServer.start(Settings.of(s), Clock.systemUTC());
        http = new EnvCalls("http://127.0.0.1:" + server.port());
        session = http.post("/v1/sessions", TOKEN, "{\"task_config\": {\"id\": \"first\"}}").created().json()
                .path("session").path("session_id").asText();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        for (Listener l : new Listener[]{internal, allowed, ownAddress == null ? null : ownAddress.orElse(null)}) {
            if (l != null) {
                l.stop();
            }
        }
        SessionGuestTest.deleteTree(state);
    }

    /** The URLs no caller may make the host fetch; each carries a query string that must not be echoed. */
    private static List<String> forbidden() {
        var urls = new ArrayList<>(List.of(
                internal.url("/request_logs?token=QUERY-SECRET"),
                "http://169.254.169.254/latest/meta-data/iam/security-credentials/?token=QUERY-SECRET",
                "http://10.0.0.1/private?token=QUERY-SECRET",
                allowed.url("/redirect?to=" + internal.url("/screenshot"))));
        ownAddress.ifPresent(l -> urls.add(l.url("/own?token=QUERY-SECRET")));
        return urls;
    }

    private static int internalHits() {
        return internal.hits().get() + ownAddress.map(l -> l.hits().get()).orElse(0);
    }

    private static String json(String s) {
        return EnvJson.MAPPER.valueToTree(s).toString();
    }

    private static EnvCalls.Reply reset(String taskConfig) {
        return http.post("/v1/sessions/" + session + "/reset", TOKEN, "{\"task_config\": " + taskConfig + "}");
    }

    private static void assertRefused(EnvCalls.Reply r, String url) {
        assertThat(r.status()).as(url + ": " + r.body()).isEqualTo(403);
        assertThat(r.json().path("error").isTextual()).isTrue();
        assertThat(r.reason()).as(url).isEqualTo("download_refused");
        assertThat(r.body()).as("no query string echoed").doesNotContain("QUERY-SECRET");
    }

    /** {@code POST /execute} on the session's VM, as OSWorld's controller calls it: the command's output. */
    private static String inVm(String shellCommand) throws Exception {
        JsonNode e = http.get("/v1/sessions/" + session, TOKEN).ok().json().path("vm").path("endpoints");
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + e.path("host").asText() + ":"
                        + e.path("server_port").asInt() + "/execute")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"command\": " + json(shellCommand) + ", \"shell\": true}")).build();
        HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return EnvJson.MAPPER.readTree(r.body()).path("output").asText();
    }

    @Test
    void a_download_step_to_an_internal_address_is_refused_and_fetches_nothing() {
        int before = internalHits();
        int redirects = allowed.hits().get();
        for (String url : forbidden()) {
            EnvCalls.Reply r = reset("""
                    {"id": "ssrf", "config": [{"type": "download", "parameters": {"files": [
                      {"url": %s, "path": "/home/user/Downloads/leak.txt"}]}}]}""".formatted(json(url)));

            assertRefused(r, url);
        }

        assertThat(internalHits()).as("requests that reached the internal listeners").isEqualTo(before);
        assertThat(allowed.hits().get()).as("the allowed server was asked once, and redirected").isEqualTo(redirects + 1);
    }

    @Test
    void a_refused_download_puts_nothing_in_the_vm() throws Exception {
        reset("""
                {"id": "postconfig-ssrf",
                 "config": [{"type": "execute", "parameters": {"command": "echo mine > /tmp/mine.txt", "shell": true}}],
                 "evaluator": {"postconfig": [{"type": "download", "parameters": {"files": [
                                 {"url": %s, "path": "/tmp/leak.txt"}]}}],
                               "func": "exact_match", "result": {"type": "vm_command_line", "command": "cat /tmp/leak.txt", "shell": true},
                               "expected": {"type": "rule", "rules": {"expected": "%s"}}}}"""
                .formatted(json(internal.url("/request_logs")), SECRET)).ok();

        EnvCalls.Reply r = http.post("/v1/sessions/" + session + "/evaluate", TOKEN, "{}");

        assertRefused(r, internal.url("/request_logs"));
        assertThat(inVm("ls /tmp")).contains("mine.txt").doesNotContain("leak.txt");
    }

    @Test
    void a_cloud_file_getter_to_an_internal_address_is_refused_and_fetches_nothing() {
        int before = internalHits();
        for (String url : forbidden()) {
            reset("""
                    {"id": "cloud-ssrf",
                     "config": [{"type": "execute", "parameters": {"command": "echo gold > /tmp/mine.txt", "shell": true}}],
                     "evaluator": {"func": "compare_text_file",
                                   "result": {"type": "vm_file", "path": "/tmp/mine.txt", "dest": "mine.txt"},
                                   "expected": {"type": "cloud_file", "path": %s, "dest": "gold.txt"}}}"""
                    .formatted(json(url))).ok();

            EnvCalls.Reply r = http.post("/v1/sessions/" + session + "/evaluate", TOKEN, "{}");

            assertRefused(r, url);
        }

        assertThat(internalHits()).as("requests that reached the internal listeners").isEqualTo(before);
    }

    @Test
    void a_server_named_by_the_allow_list_serves_downloads_and_cloud_files() {
        reset("""
                {"id": "allowed",
                 "config": [{"type": "download", "parameters": {"files": [
                   {"url": %s, "path": "/tmp/gold.txt"}]}}],
                 "evaluator": {"func": "compare_text_file",
                               "result": {"type": "vm_file", "path": "/tmp/gold.txt", "dest": "gold.txt"},
                               "expected": {"type": "cloud_file", "path": %s, "dest": "expected.txt"}}}"""
                .formatted(json(allowed.url("/gold.txt")), json(allowed.url("/gold.txt")))).ok();

        JsonNode e = http.post("/v1/sessions/" + session + "/evaluate", TOKEN, "{}").ok().json();

        assertThat(e.path("score").asDouble()).isEqualTo(1.0);
    }

    @Test
    void an_upload_through_a_link_out_of_the_upload_directory_is_refused_like_a_path_out() {
        EnvCalls.Reply viaLink = reset("""
                {"id": "upload-link", "config": [{"type": "upload_file", "parameters": {"files": [
                  {"local_path": "link.txt", "path": "/tmp/leak.txt"}]}}]}""");
        EnvCalls.Reply out = reset("""
                {"id": "upload-out", "config": [{"type": "upload_file", "parameters": {"files": [
                  {"local_path": "../host-secret.txt", "path": "/tmp/leak.txt"}]}}]}""");

        assertThat(viaLink.status()).as(viaLink.body()).isEqualTo(400);
        assertThat(viaLink.reason()).isEqualTo("invalid_task_config");
        assertThat(viaLink.json().path("message").asText().replace("link.txt", "P"))
                .isEqualTo(out.json().path("message").asText().replace("../host-secret.txt", "P"));
        reset("""
                {"id": "upload-in", "config": [{"type": "upload_file", "parameters": {"files": [
                  {"local_path": "notes.txt", "path": "/tmp/notes.txt"}]}}]}""").ok();
    }
}
