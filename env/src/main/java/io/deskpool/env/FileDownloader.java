package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Fetches http(s) files on the host, as OSWorld's SetupController does for {@code download} steps and its
 * {@code cloud_file} getter, through {@link GuardedHttpGet} (internal addresses refused) into a {@link DownloadCache}
 * keyed by the caller AND the URL: the next reset of the same task by the same caller does not fetch again, and no
 * caller is ever handed a file another caller's URL brought in (a URL may carry its caller's credentials). A download
 * is written to a temporary name and moved into place, so concurrent resets never see half a file. URLs are logged
 * and reported without query strings or user info ({@link RedactedUrl}).
 */
final class FileDownloader {
    private static final Logger log = LoggerFactory.getLogger(FileDownloader.class);

    private final DownloadCache cache;
    private final GuardedHttpGet http;
    private final long maxBytes;

    FileDownloader(DownloadCache cache, GuardedHttpGet http, long maxBytes) {
        this.cache = requireNonNull(cache, "cache is null");
        this.http = requireNonNull(http, "http is null");
        this.maxBytes = maxBytes;
    }

    /** {@code owner}'s copy of {@code url}, fetched now unless cached and fresh; pinned until closed. */
    DownloadCache.Entry fetch(String owner, String url, Deadline d) {
        requireNonNull(owner, "owner is null");
        if (!SetupStep.isHttpUrl(url)) {
            throw EnvFailure.INVALID_TASK_CONFIG.exception("only http(s) URLs can be downloaded, got '"
                    + RedactedUrl.of(url) + "'");
        }
        String key = key(owner, url);
        Optional<DownloadCache.Entry> cached = cache.get(key);
        if (cached.isPresent()) {
            return cached.get();
        }
        Path part = cache.newPart();
        try {
            long n;
            try (OutputStream out = Files.newOutputStream(part)) {
                n = http.get(URI.create(url), d, maxBytes, out);
            }
            log.info("Downloaded {} ({} bytes)", RedactedUrl.of(url), n);
            return cache.put(key, part);
        } catch (IOException e) {
            throw failed(url, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // a part file; the cache deletes leftovers at the next start
            }
        }
    }

    /** The caller and the URL, hashed: file names reveal neither. */
    private static String key(String owner, String url) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((owner.length() + ":" + owner + "\n" + url).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DeskpoolException failed(String url, String why, Throwable cause) {
        log.info("Downloading {} failed: {}", RedactedUrl.of(url), why);
        return EnvFailure.DOWNLOAD_FAILED.exception("downloading " + RedactedUrl.of(url) + " failed: " + why, cause);
    }
}
