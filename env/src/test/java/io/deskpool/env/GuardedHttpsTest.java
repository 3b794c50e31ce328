package io.deskpool.env;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.deskpool.core.net.FetchDestinations;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * TLS on the pinned connection: the certificate is checked against the URL's host name (sent as SNI), not against
 * the address connected to. A real HTTPS server on 127.0.0.1 with a certificate for {@code files.test} made by the
 * JDK's keytool; the client trusts that certificate only.
 */
class GuardedHttpsTest {
    @TempDir
    static Path dir;
    private static HttpsServer server;
    private static SSLContext clientTls;

    @BeforeAll
    static void start() throws Exception {
        Path store = dir.resolve("files.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "files", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=files.test",
                "-ext", "SAN=dns:files.test", "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0).as(out).isTrue();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "changeit".toCharArray());
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        server.createContext("/", x -> {
            byte[] body = "over tls".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(keys);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static GuardedHttpGet http(String allow) {
        HostResolver table = host -> List.of(InetAddress.getByName("127.0.0.1"));
        return new GuardedHttpGet(new FetchDestinations(FetchDestinations.AllowList.parse(allow), List::of, List::of),
                table, clientTls.getSocketFactory());
    }

    private static String get(GuardedHttpGet http, String url) throws IOException {
        var out = new ByteArrayOutputStream();
        http.get(URI.create(url), Deadline.after(Duration.ofSeconds(20)), 1 << 20, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void https_to_the_name_on_the_certificate_is_fetched_over_the_pinned_address() throws Exception {
        assertThat(get(http("files.test"), "https://files.test:" + server.getAddress().getPort() + "/")).isEqualTo("over tls");
    }

    @Test
    void a_certificate_for_another_name_is_refused() {
        IOException e = catchThrowableOfType(IOException.class,
                () -> get(http("other.test"), "https://other.test:" + server.getAddress().getPort() + "/"));

        assertThat(e).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void a_certificate_is_not_taken_for_the_address_connected_to() {
        IOException e = catchThrowableOfType(IOException.class,
                () -> get(http("127.0.0.1"), "https://127.0.0.1:" + server.getAddress().getPort() + "/"));

        assertThat(e).isInstanceOf(SSLHandshakeException.class);
    }
}
