package io.deskpool.env;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Downloaded files on disk, one per key (the caller and the URL, hashed: {@link FileDownloader}), at most
 * {@code maxBytes} in all: when a new file passes the cap, the least recently used files go first. A file older than
 * {@code ttl} is not handed out again (it is fetched anew). A file being used is {@link Entry pinned}: never evicted
 * or expired from under its user. Files left by an earlier run are taken over, oldest-used first by their time.
 */
final class DownloadCache {
    private static final Logger log = LoggerFactory.getLogger(DownloadCache.class);
    /** Entries are named by a 64-hex-digit key; this cache's own files are the only ones it deletes. */
    private static final Pattern ENTRY = Pattern.compile("[0-9a-f]{64}");
    /** Names earlier versions left (a 32-hex-digit key per URL, shared by all callers) and half-written parts. */
    private static final Pattern STALE = Pattern.compile("[0-9a-f]{32}|download-.*\\.part");

    private final Path dir;
    private final long maxBytes;
    private final Duration ttl;
    private final Clock clock;
    /** Access-ordered: the first entry is the least recently used. Guarded by {@code this}. */
    private final LinkedHashMap<String, Meta> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long totalBytes;

    private static final class Meta {
        final long size;
        final Instant fetchedAt;
        int pins;

        Meta(long size, Instant fetchedAt) {
            this.size = size;
            this.fetchedAt = fetchedAt;
        }
    }

    DownloadCache(Path dir, long maxBytes, Duration ttl, Clock clock) {
        this.dir = requireNonNull(dir, "dir is null");
        this.maxBytes = maxBytes;
        this.ttl = requireNonNull(ttl, "ttl is null");
        this.clock = requireNonNull(clock, "clock is null");
        if (maxBytes < 0 || ttl.isNegative()) {
            throw new IllegalArgumentException("cache size and lifetime must not be negative");
        }
        adopt();
    }

    /** A cached file, pinned until closed. */
    final class Entry implements AutoCloseable {
        private final String key;
        private boolean closed;

        private Entry(String key) {
            this.key = key;
        }

        Path path() {
            return dir.resolve(key);
        }

        @Override
        public void close() {
            synchronized (DownloadCache.this) {
                if (closed) {
                    return;
                }
                closed = true;
                Meta m = entries.get(key);
                if (m != null) {
                    m.pins--;
                }
                evictOverCap();
            }
        }
    }

    /** The fresh file under {@code key}, pinned; empty when there is none (or it expired). */
    synchronized Optional<Entry> get(String key) {
        Meta m = entries.get(key);
        if (m == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(m.fetchedAt.plus(ttl))) {
            if (m.pins == 0) {
                remove(key, "expired");
            }
            return Optional.empty();
        }
        m.pins++;
        return Optional.of(new Entry(key));
    }

    /** A temporary file in the cache's directory for a download in progress. */
    Path newPart() {
        try {
            Files.createDirectories(dir);
            return Files.createTempFile(dir, "download-", ".part");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the download cache " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Moves a finished {@code part} in under {@code key} and pins it; least recently used files are evicted while
     * the cache is over its cap (the new one too, once it is closed, when it alone is larger than the cap). A file
     * already there is replaced by renaming over it, so whoever is reading it keeps what they opened.
     */
    synchronized Entry put(String key, Path part) throws IOException {
        long size = Files.size(part);
        Files.move(part, dir.resolve(key), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Instant now = clock.instant();
        Files.setLastModifiedTime(dir.resolve(key), FileTime.from(now));
        Meta old = entries.remove(key);
        Meta m = new Meta(size, now);
        if (old != null) {
            totalBytes -= old.size;
            m.pins = old.pins;
        }
        m.pins++;
        entries.put(key, m);
        totalBytes += size;
        evictOverCap();
        return new Entry(key);
    }

    synchronized long totalBytes() {
        return totalBytes;
    }

    private void evictOverCap() {
        Iterator<Map.Entry<String, Meta>> it = entries.entrySet().iterator();
        while (totalBytes > maxBytes && it.hasNext()) {
            Map.Entry<String, Meta> e = it.next();
            if (e.getValue().pins > 0) {
                continue;
            }
            it.remove();
            totalBytes -= e.getValue().size;
            delete(e.getKey(), "least recently used, over ENV_CACHE_MAX_MB");
        }
    }

    private void remove(String key, String why) {
        Meta m = entries.remove(key);
        if (m != null) {
            totalBytes -= m.size;
        }
        delete(key, why);
    }

    private void delete(String key, String why) {
        try {
            Files.deleteIfExists(dir.resolve(key));
            log.debug("Download cache: dropped {} ({})", key, why);
        } catch (IOException e) {
            log.warn("Download cache: could not delete {}: {}", dir.resolve(key), e.getMessage());
        }
    }

    /** Takes over the files an earlier run left, least recently written first, and deletes stale ones. */
    private void adopt() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        record Found(String key, long size, Instant at) {
        }
        try (var files = Files.list(dir)) {
            files.filter(Files::isRegularFile).map(p -> {
                String name = p.getFileName().toString();
                try {
                    if (STALE.matcher(name).matches()) {
                        Files.deleteIfExists(p);
                        return null;
                    }
                    return ENTRY.matcher(name).matches()
                            ? new Found(name, Files.size(p), Files.getLastModifiedTime(p).toInstant()) : null;
                } catch (IOException e) {
                    return null;
                }
            }).filter(f -> f != null).sorted(Comparator.comparing(Found::at)).forEach(f -> {
                entries.put(f.key(), new Meta(f.size(), f.at()));
                totalBytes += f.size();
            });
        } catch (IOException e) {
            log.warn("Download cache: could not read {}: {}", dir, e.getMessage());
        }
        synchronized (this) {
            evictOverCap();
        }
        log.info("Download cache {}: {} file(s), {} MB of at most {} MB, kept {} h", dir, entries.size(),
                totalBytes / (1024 * 1024), maxBytes / (1024 * 1024), ttl.toHours());
    }
}
