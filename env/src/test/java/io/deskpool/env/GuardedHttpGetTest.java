package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.net.FetchDestinations;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocketFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Host-side downloads reach the internet only, against real HTTP servers on loopback addresses. Names are looked
 * up in a fixed table (this machine has no DNS to speak of); the allow-list is what lets the positive cases reach a
 * loopback server at all. A real non-internal address is tested in {@link GuardedHttpGetInternetTest}.
 */
class GuardedHttpGetTest {
    private static final long MB = 1024 * 1024;

    /** A resolver of fixed names, counting look-ups; unknown names do not resolve. */
    private static final class TableResolver implements HostResolver {
        final Map<String, List<String>> table;
        final AtomicInteger lookups = new AtomicInteger();

        TableResolver(Map<String, List<String>> table) {
            this.table = table;
        }

        @Override
        public List<InetAddress> resolve(String host) throws UnknownHostException {
            int n = lookups.getAndIncrement();
            List<String> answers = table.get(host);
            if (answers == null) {
                throw new UnknownHostException(host);
            }
            // A rebinding DNS server: a later look-up gets the next answer.
            return List.of(InetAddress.getByName(answers.get(Math.min(n, answers.size() - 1))));
        }
    }

    private static GuardedHttpGet http(String allow, HostResolver resolver) {
        return new GuardedHttpGet(new FetchDestinations(FetchDestinations.AllowList.parse(allow), List::of, List::of),
                resolver, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    private static GuardedHttpGet http(String allow) {
        return http(allow, new TableResolver(Map.of("localhost", List.of("127.0.0.1"))));
    }

    private static String get(GuardedHttpGet http, String url) throws IOException {
        var out = new ByteArrayOutputStream();
        http.get(URI.create(url), Deadline.after(Duration.ofSeconds(20)), MB, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static DeskpoolException refused(GuardedHttpGet http, String url) {
        DeskpoolException e = catchThrowableOfType(DeskpoolException.class, () -> get(http, url));
        assertThat(e).as(url).isNotNull();
        assertThat(EnvFailure.DOWNLOAD_REFUSED.is(e)).as(e.getMessage()).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN);
        return e;
    }

    @Test
    void a_listener_on_loopback_is_refused_and_never_reached() throws Exception {
        try (var files = new LoopbackFiles("127.0.0.1")) {
            DeskpoolException e = refused(http(""), files.url("/file/secret"));

            assertThat(files.total()).isZero();
            assertThat(e.getMessage()).contains("an internal address (127.0.0.0/8)").contains("ENV_DOWNLOAD_ALLOW");
        }
    }

    @Test
    void a_name_that_resolves_to_loopback_is_refused() throws Exception {
        try (var files = new LoopbackFiles("127.0.0.1")) {
            refused(http(""), "http://localhost:" + files.port() + "/file/secret");

            assertThat(files.total()).isZero();
        }
    }

    @Test
    void the_metadata_service_private_cgnat_and_numeric_forms_of_loopback_are_refused() {
        for (String url : List.of("http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://100.64.0.1/",
                "http://192.168.1.1/", "http://0.0.0.0:1/", "http://2130706433:1/", "http://[::1]:1/",
                "http://[::ffff:169.254.169.254]/", "https://127.0.0.1:1/")) {
            refused(http(""), url);
        }
    }

    @Test
    void only_http_and_https_are_fetched() {
        for (String url : List.of("file:///etc/passwd", "ftp://example.com/x", "jar:file:/x.jar!/a", "gopher://x/")) {
            assertThat(refused(http(""), url).getMessage()).contains("only http and https");
        }
    }

    @Test
    void the_allow_list_opens_a_named_address() throws Exception {
        try (var files = new LoopbackFiles("127.0.0.1")) {
            assertThat(get(http("127.0.0.1"), files.url("/file/hello"))).isEqualTo("hello");
            assertThat(files.hits("/file/hello")).isEqualTo(1);
        }
    }

    @Test
    void the_allow_list_opens_a_host_name() throws Exception {
        try (var files = new LoopbackFiles("127.0.0.1")) {
            assertThat(get(http("localhost"), "http://localhost:" + files.port() + "/file/hello")).isEqualTo("hello");
        }
    }

    @Test
    void a_redirect_from_an_allowed_host_to_a_refused_address_is_refused() throws Exception {
        try (var allowed = new LoopbackFiles("127.0.0.2"); var internal = new LoopbackFiles("127.0.0.1")) {
            String to = internal.url("/file/secret");

            DeskpoolException e = refused(http("127.0.0.2"), allowed.url("/redirect?to=" + to));

            assertThat(allowed.hits("/redirect")).isEqualTo(1);
            assertThat(internal.total()).isZero();
            assertThat(e.getMessage()).contains("redirected to http://127.0.0.1:" + internal.port() + "/file/secret");
        }
    }

    @Test
    void a_redirect_to_another_scheme_is_refused() throws Exception {
        try (var allowed = new LoopbackFiles("127.0.0.1")) {
            assertThat(refused(http("127.0.0.1"), allowed.url("/redirect?to=file:///etc/passwd")).getMessage())
                    .contains("only http and https");
        }
    }

    @Test
    void a_redirect_between_allowed_addresses_is_followed() throws Exception {
        try (var first = new LoopbackFiles("127.0.0.2"); var second = new LoopbackFiles("127.0.0.1")) {
            assertThat(get(http("127.0.0.0/8"), first.url("/redirect?to=" + second.url("/file/moved")))).isEqualTo("moved");
        }
    }

    @Test
    void a_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to() throws Exception {
        try (var allowed = new LoopbackFiles("127.0.0.2")) {
            LoopbackFiles internal = sharingPort(allowed.port());
            try (internal) {
                // First answer an allowed address, every later one the internal address (DNS rebinding).
                var rebinding = new TableResolver(Map.of("files.test", List.of("127.0.0.2", "127.0.0.1")));

                String body = get(http("127.0.0.2", rebinding), "http://files.test:" + allowed.port() + "/file/allowed");

                assertThat(body).isEqualTo("allowed");
                assertThat(rebinding.lookups).hasValue(1);
                assertThat(internal.total()).isZero();
            }
        }
    }

    @Test
    void every_address_of_a_name_is_checked_and_an_allowed_one_is_used() throws Exception {
        try (var files = new LoopbackFiles("127.0.0.1")) {
            var resolver = new TableResolver(Map.of("files.test", List.of("169.254.169.254")));

            refused(http("127.0.0.1", resolver), "http://files.test:" + files.port() + "/file/x");
            assertThat(files.total()).isZero();
        }
    }

    @Test
    void chunked_and_sized_bodies_are_read_whole() throws Exception {
        try (var files = new LoopbackFiles("127.0.0.1")) {
            assertThat(get(http("127.0.0.1"), files.url("/file/chunked"))).isEqualTo("chunked");
            assertThat(get(http("127.0.0.1"), files.url("/file/sized.len"))).isEqualTo("sized.len");
            var out = new ByteArrayOutputStream();
            http("127.0.0.1").get(URI.create(files.url("/bytes/300000")), Deadline.after(Duration.ofSeconds(20)), MB, out);
            assertThat(out.size()).isEqualTo(300000);
        }
    }

    @Test
    void a_body_over_the_limit_is_refused_whether_sized_or_chunked() throws Exception {
        try (var files = new LoopbackFiles("127.0.0.1")) {
            for (String path : List.of("/sized/2000", "/bytes/2000")) {
                IOException e = catchThrowableOfType(IOException.class, () -> http("127.0.0.1").get(URI.create(files.url(path)),
                        Deadline.after(Duration.ofSeconds(20)), 1000, new ByteArrayOutputStream()));

                assertThat(e).as(path).hasMessageContaining("larger than ENV_DOWNLOAD_MAX_MB");
            }
        }
    }

    @Test
    void a_server_that_never_answers_is_given_up_at_the_deadline() throws Exception {
        try (var silent = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            IOException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> catchThrowableOfType(IOException.class,
                    () -> http("127.0.0.1").get(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/"),
                            Deadline.after(Duration.ofMillis(700)), MB, new ByteArrayOutputStream())));

            assertThat(e).hasMessageContaining("deadline");
        }
    }


    /** A server on 127.0.0.1 at {@code port} (the port another server holds on 127.0.0.2). */
    private static LoopbackFiles sharingPort(int port) throws IOException {
        return new LoopbackFiles("127.0.0.1", port);
    }
}
