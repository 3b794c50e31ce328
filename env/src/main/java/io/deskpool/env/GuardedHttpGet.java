package io.deskpool.env;

import io.deskpool.core.net.FetchDestinations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * An HTTP/1.1 GET the host makes for a caller's URL (a {@code download} step, a {@code cloud_file} getter) that
 * reaches only what {@link FetchDestinations} allows. Each hop's host name is resolved once, every address checked,
 * and the socket connected to the checked address itself, so a DNS server answering differently the second time
 * (rebinding) has no second time; each redirect hop is checked the same way; only {@code http} and {@code https};
 * TLS sends SNI and verifies the certificate against the URL's host. Bounded: {@value #MAX_REDIRECTS} redirects,
 * {@code maxBytes} of body, the caller's deadline for all of it, and {@link #READ_IDLE} without a byte.
 *
 * <p>Written on sockets because {@code java.net.http.HttpClient} resolves names itself, with no hook to check the
 * address it connects to.
 */
final class GuardedHttpGet {
    private static final Logger log = LoggerFactory.getLogger(GuardedHttpGet.class);
    static final int MAX_REDIRECTS = 10;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
    static final Duration READ_IDLE = Duration.ofSeconds(60);
    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 200;

    private final FetchDestinations destinations;
    private final HostResolver resolver;
    private final SSLSocketFactory tls;

    GuardedHttpGet(FetchDestinations destinations, HostResolver resolver, SSLSocketFactory tls) {
        this.destinations = requireNonNull(destinations, "destinations is null");
        this.resolver = requireNonNull(resolver, "resolver is null");
        this.tls = requireNonNull(tls, "tls is null");
    }

    static GuardedHttpGet forThisHost(FetchDestinations.AllowList allowed) {
        return new GuardedHttpGet(FetchDestinations.forThisHost(allowed), HostResolver.system(),
                (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /**
     * Writes the body of {@code url}'s 200 answer, after redirects, to {@code out}; returns its length.
     *
     * @throws io.deskpool.core.DeskpoolException {@code DOWNLOAD_REFUSED} for a scheme or address it must not fetch
     * @throws IOException                        for anything else (no answer, HTTP errors, too large, too slow)
     */
    long get(URI url, Deadline d, long maxBytes, OutputStream out) throws IOException {
        URI at = url;
        for (int hop = 0; ; hop++) {
            checkScheme(url, at);
            try (Socket socket = connect(url, at, d)) {
                Input in = new Input(socket, d);
                writeRequest(socket.getOutputStream(), at);
                Head head = readHead(in);
                if (head.redirect()) {
                    String location = head.header("location").orElseThrow(() ->
                            new IOException("HTTP " + head.status() + " without a Location"));
                    if (hop == MAX_REDIRECTS) {
                        throw new IOException("more than " + MAX_REDIRECTS + " redirects");
                    }
                    URI next;
                    try {
                        next = at.resolve(new URI(location.strip()));
                    } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                        throw new IOException("a redirect to a malformed URL");
                    }
                    log.debug("{} redirects to {}", RedactedUrl.of(at), RedactedUrl.of(next));
                    at = next;
                    continue;
                }
                if (head.status() != 200) {
                    throw new IOException("HTTP " + head.status() + (hop > 0 ? " from " + RedactedUrl.of(at) : ""));
                }
                return copyBody(head, in, maxBytes, out);
            }
        }
    }

    private static void checkScheme(URI first, URI at) {
        String scheme = at.getScheme() == null ? "" : at.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || at.getHost() == null) {
            throw refused(first, at, "only http and https URLs are fetched");
        }
    }

    /** Resolves the hop's host once and connects to the first address the rules allow. */
    private Socket connect(URI first, URI at, Deadline d) throws IOException {
        String host = bare(at.getHost());
        boolean https = at.getScheme().equalsIgnoreCase("https");
        int port = at.getPort() >= 0 ? at.getPort() : https ? 443 : 80;
        List<InetAddress> addresses = addresses(host);
        InetAddress chosen = null;
        String why = "";
        for (InetAddress a : addresses) {
            Optional<String> refusal = destinations.refusal(host, a);
            if (refusal.isEmpty()) {
                chosen = a;
                break;
            }
            log.info("Download of {} refused {} ({}): {}", RedactedUrl.of(at), a.getHostAddress(), host, refusal.get());
            why = why.isEmpty() ? refusal.get() : why;
        }
        if (chosen == null) {
            throw refused(first, at, "'" + host + "' is " + why + ", which downloads may not reach "
                    + "(ENV_DOWNLOAD_ALLOW names the ones they may)");
        }
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(chosen, port), (int) Math.max(1, d.cap(CONNECT_TIMEOUT).toMillis()));
            if (!https) {
                return socket;
            }
            SSLSocket ssl = (SSLSocket) tls.createSocket(socket, host, port, true);
            SSLParameters params = ssl.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            if (!isLiteral(host)) {
                params.setServerNames(List.of(new SNIHostName(host)));
            }
            ssl.setSSLParameters(params);
            ssl.setSoTimeout((int) Math.max(1, d.cap(CONNECT_TIMEOUT).toMillis()));
            ssl.startHandshake();
            return ssl;
        } catch (SocketTimeoutException e) {
            socket.close();
            throw new IOException("no connection to " + host + " in time", e);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private List<InetAddress> addresses(String host) throws IOException {
        try {
            List<InetAddress> all = isLiteral(host) ? List.of(InetAddress.getAllByName(host)) : resolver.resolve(host);
            if (all.isEmpty()) {
                throw new UnknownHostException(host);
            }
            return all;
        } catch (UnknownHostException e) {
            throw new IOException("cannot resolve '" + host + "'", e);
        }
    }

    /** An address literal (no look-up), in any form the system accepts: dotted, a bare number, IPv6. */
    private static boolean isLiteral(String host) {
        return host.matches("[0-9.]+") || host.contains(":");
    }

    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static void writeRequest(OutputStream out, URI at) throws IOException {
        String path = at.getRawPath() == null || at.getRawPath().isEmpty() ? "/" : at.getRawPath();
        String target = path + (at.getRawQuery() == null ? "" : "?" + at.getRawQuery());
        String hostHeader = at.getHost() + (at.getPort() >= 0 ? ":" + at.getPort() : "");
        String request = "GET " + target + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUser-Agent: Deskpool\r\n"
                + "Accept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n";
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** A response's status and headers (names lower-cased). */
    private record Head(int status, Map<String, String> headers) {
        Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name));
        }

        boolean redirect() {
            return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
        }
    }

    private static Head readHead(Input in) throws IOException {
        while (true) {
            String statusLine = in.line();
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("\\d{3}")) {
                throw new IOException("not an HTTP answer");
            }
            int status = Integer.parseInt(parts[1]);
            Map<String, String> headers = new TreeMap<>();
            for (int n = 0; ; n++) {
                String line = in.line();
                if (line.isEmpty()) {
                    break;
                }
                if (n == MAX_HEADERS) {
                    throw new IOException("more than " + MAX_HEADERS + " headers");
                }
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.merge(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip(),
                            (a, b) -> a + ", " + b);
                }
            }
            if (status >= 200 || status == 101) {
                return new Head(status, headers);
            }
            // 1xx informational: the real answer follows.
        }
    }

    private static long copyBody(Head head, Input in, long maxBytes, OutputStream out) throws IOException {
        boolean chunked = head.header("transfer-encoding").map(t -> t.toLowerCase(Locale.ROOT).contains("chunked")).orElse(false);
        long declared = -1;
        if (!chunked && head.header("content-length").isPresent()) {
            try {
                declared = Long.parseLong(head.header("content-length").get().strip());
            } catch (NumberFormatException e) {
                throw new IOException("a malformed Content-Length");
            }
            if (declared > maxBytes) {
                throw tooLarge(maxBytes);
            }
        }
        long n = 0;
        byte[] buf = new byte[65536];
        if (chunked) {
            while (true) {
                String sizeLine = in.line();
                long size;
                try {
                    size = Long.parseLong(sizeLine.split(";", 2)[0].strip(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("a malformed chunk");
                }
                if (size < 0) {
                    throw new IOException("a malformed chunk");
                }
                if (size == 0) {
                    while (!in.line().isEmpty()) {
                        // trailers: ignored
                    }
                    return n;
                }
                if (n + size > maxBytes) {
                    throw tooLarge(maxBytes);
                }
                n += copyExactly(in, size, buf, out);
                if (!in.line().isEmpty()) {
                    throw new IOException("a malformed chunk");
                }
            }
        }
        if (declared >= 0) {
            return copyExactly(in, declared, buf, out);
        }
        for (int k; (k = in.read(buf)) > 0; ) {
            n += k;
            if (n > maxBytes) {
                throw tooLarge(maxBytes);
            }
            out.write(buf, 0, k);
        }
        return n;
    }

    private static long copyExactly(Input in, long size, byte[] buf, OutputStream out) throws IOException {
        long left = size;
        while (left > 0) {
            int k = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (k < 0) {
                throw new IOException("the connection closed " + left + " bytes before the end of the file");
            }
            out.write(buf, 0, k);
            left -= k;
        }
        return size;
    }

    private static IOException tooLarge(long maxBytes) {
        return new IOException("larger than ENV_DOWNLOAD_MAX_MB (" + maxBytes / (1024 * 1024) + " MB)");
    }

    private static io.deskpool.core.DeskpoolException refused(URI first, URI at, String why) {
        String where = first.equals(at) ? RedactedUrl.of(first)
                : RedactedUrl.of(first) + " (redirected to " + RedactedUrl.of(at) + ")";
        return EnvFailure.DOWNLOAD_REFUSED.exception("downloading " + where + " refused: " + why);
    }

    /** The socket's bytes, each read bounded by the deadline and by {@link #READ_IDLE}. */
    private static final class Input extends FilterInputStream {
        private final Socket socket;
        private final Deadline d;

        Input(Socket socket, Deadline d) throws IOException {
            super(new BufferedInputStream(socket.getInputStream(), 65536));
            this.socket = socket;
            this.d = d;
        }

        private void arm() throws IOException {
            if (d.expired()) {
                throw new IOException("the deadline (" + d.budget().toSeconds() + " s) passed");
            }
            socket.setSoTimeout((int) Math.max(1, d.cap(READ_IDLE).toMillis()));
        }

        @Override
        public int read() throws IOException {
            arm();
            try {
                return super.read();
            } catch (SocketTimeoutException e) {
                throw stalled(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            arm();
            try {
                return super.read(b, off, len);
            } catch (SocketTimeoutException e) {
                throw stalled(e);
            }
        }

        private IOException stalled(SocketTimeoutException e) {
            return new IOException(d.expired() ? "the deadline (" + d.budget().toSeconds() + " s) passed"
                    : "no data for " + READ_IDLE.toSeconds() + " s", e);
        }

        /** One CRLF- (or LF-) terminated line, ISO-8859-1, at most {@link #MAX_LINE} bytes. */
        String line() throws IOException {
            var b = new StringBuilder();
            while (true) {
                int c = read();
                if (c < 0) {
                    throw new IOException("the connection closed mid-answer");
                }
                if (c == '\n') {
                    int end = b.length();
                    return end > 0 && b.charAt(end - 1) == '\r' ? b.substring(0, end - 1) : b.toString();
                }
                if (b.length() == MAX_LINE) {
                    throw new IOException("a header line longer than " + MAX_LINE + " bytes");
                }
                b.append((char) c);
            }
        }
    }
}
