package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.net.FetchDestinations;
import io.deskpool.core.net.TestInternet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A download from a real address outside every internal range, with no allow-list: core's {@link TestInternet}
 * (a network namespace holding the TEST-NET-3 address 203.0.113.253, joined to the host by a veth pair) runs a
 * small Python HTTP server there. Its redirects to the host's loopback and to the metadata address must be refused.
 * Needs root and iproute2 (skipped otherwise, with the reason).
 */
class GuardedHttpGetInternetTest {
    private static final int PORT = 8778;
    private static final String SERVER = """
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    if self.path.startswith('/to?'):
                        self.send_response(302); self.send_header('Location', self.path[4:]); self.end_headers(); return
                    body = b'from the internet'
                    self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *a): pass
            s = http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), H)
            print('listening', flush=True)
            s.serve_forever()
            """;

    @TempDir
    static Path dir;
    private static TestInternet internet;
    private static Process server;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(TestInternet.possibleHere(), "needs root and iproute2 to make the stand-in internet (a network namespace)");
        internet = TestInternet.create();
        Path script = Files.writeString(dir.resolve("server.py"), SERVER);
        server = new ProcessBuilder("ip", "netns", "exec", internet.namespace(), "timeout", "300", "python3", script.toString(),
                TestInternet.INTERNET, String.valueOf(PORT)).redirectErrorStream(true).start();
        String first = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(first).as("the Python server in the namespace").isEqualTo("listening");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.destroyForcibly();
        }
        if (internet != null) {
            internet.close();
        }
    }

    private static String get(String url) throws Exception {
        var out = new ByteArrayOutputStream();
        GuardedHttpGet.forThisHost(FetchDestinations.AllowList.none())
                .get(URI.create(url), Deadline.after(Duration.ofSeconds(30)), 1 << 20, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String base() {
        return "http://" + TestInternet.INTERNET + ":" + PORT;
    }

    @Test
    void an_address_outside_the_internal_ranges_is_fetched_without_any_allow_list() throws Exception {
        assertThat(get(base() + "/file.txt")).isEqualTo("from the internet");
    }

    @Test
    void its_redirect_to_the_hosts_loopback_is_refused() throws Exception {
        try (var loopback = new LoopbackFiles("127.0.0.1")) {
            DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                    () -> get(base() + "/to?" + loopback.url("/file/secret")));

            assertThat(e).isNotNull();
            assertThat(EnvFailure.DOWNLOAD_REFUSED.is(e)).as(e.getMessage()).isTrue();
            assertThat(loopback.total()).isZero();
        }
    }

    @Test
    void its_redirect_to_the_metadata_service_or_the_hosts_own_address_is_refused() {
        for (String to : new String[]{"http://169.254.169.254/latest/meta-data/", "http://" + TestInternet.HOST_END + ":1/",
                "http://" + TestInternet.PRIVATE + ":" + TestInternet.PORT + "/"}) {
            DeskpoolException e = catchThrowableOfType(DeskpoolException.class, () -> get(base() + "/to?" + to));

            assertThat(e).as(to).isNotNull();
            assertThat(EnvFailure.DOWNLOAD_REFUSED.is(e)).as(e.getMessage()).isTrue();
        }
    }
}
