package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Fetches http(s) files on the host, as OSWorld's SetupController does for {@code download} steps and its
 * {@code cloud_file} getter, into a cache keyed by URL so the next reset of the same task does not fetch again.
 * A download is written to a temporary name and moved into place, so concurrent resets never see half a file.
 */
final class FileDownloader {
    private static final Logger log = LoggerFactory.getLogger(FileDownloader.class);

    private final Path cacheDir;
    private final long maxBytes;
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(20))
            .build();

    FileDownloader(Path cacheDir, long maxBytes) {
        this.cacheDir = cacheDir;
        this.maxBytes = maxBytes;
    }

    /** The cached copy of {@code url}, fetched now if it is not cached yet. */
    Path fetch(String url, Deadline d) {
        if (!SetupStep.isHttpUrl(url)) {
            throw EnvFailure.INVALID_TASK_CONFIG.exception("only http(s) URLs can be downloaded, got '" + url + "'");
        }
        Path target = cacheDir.resolve(key(url));
        if (Files.isRegularFile(target)) {
            return target;
        }
        try {
            Files.createDirectories(cacheDir);
            Path part = Files.createTempFile(cacheDir, "download-", ".part");
            try {
                HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(d.cap(Duration.ofMinutes(5))).GET().build();
                HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = r.body()) {
                    if (r.statusCode() != 200) {
                        throw failed(url, "HTTP " + r.statusCode(), null);
                    }
                    long n = copy(in, part, url);
                    log.info("Downloaded {} ({} bytes)", url, n);
                }
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return target;
            } finally {
                Files.deleteIfExists(part);
            }
        } catch (HttpTimeoutException e) {
            throw failed(url, "no answer in time", e);
        } catch (IOException e) {
            throw failed(url, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(url, "interrupted", e);
        }
    }

    private long copy(InputStream in, Path part, String url) throws IOException {
        long n = 0;
        byte[] buf = new byte[65536];
        try (OutputStream out = Files.newOutputStream(part)) {
            for (int k; (k = in.read(buf)) > 0; ) {
                n += k;
                if (n > maxBytes) {
                    throw failed(url, "larger than ENV_DOWNLOAD_MAX_MB (" + maxBytes / (1024 * 1024) + " MB)", null);
                }
                out.write(buf, 0, k);
            }
        }
        return n;
    }

    private static String key(String url) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DeskpoolException failed(String url, String why, Throwable cause) {
        return EnvFailure.DOWNLOAD_FAILED.exception("downloading " + url + " failed: " + why, cause);
    }
}
