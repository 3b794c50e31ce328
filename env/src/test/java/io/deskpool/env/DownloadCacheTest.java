package io.deskpool.env;

import io.deskpool.core.testing.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DownloadCacheTest {
    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock();

    private DownloadCache cache(long maxBytes) {
        return new DownloadCache(dir, maxBytes, Duration.ofHours(1), clock);
    }

    private static void put(DownloadCache c, String key, int bytes) throws Exception {
        Path part = c.newPart();
        Files.write(part, new byte[bytes]);
        c.put(key, part).close();
    }

    @Test
    void a_file_in_use_is_not_evicted_and_the_next_least_recent_goes_instead() throws Exception {
        DownloadCache c = cache(150);
        put(c, A, 100);
        DownloadCache.Entry inUse = c.get(A).orElseThrow();

        put(c, B, 100);

        assertThat(Files.exists(inUse.path())).isTrue();
        assertThat(c.get(B)).isEmpty();
        inUse.close();
        assertThat(c.totalBytes()).isLessThanOrEqualTo(150);
    }

    @Test
    void an_expired_file_in_use_is_not_handed_out_but_not_deleted_under_its_reader() throws Exception {
        DownloadCache c = cache(1000);
        put(c, A, 10);
        DownloadCache.Entry reader = c.get(A).orElseThrow();

        clock.advance(Duration.ofHours(2));

        assertThat(c.get(A)).isEmpty();
        assertThat(Files.exists(reader.path())).isTrue();
        reader.close();
    }

    @Test
    void files_of_an_earlier_run_are_kept_and_shared_copies_of_older_versions_deleted() throws Exception {
        put(cache(1000), A, 10);
        Path oldShared = Files.write(dir.resolve("0123456789abcdef0123456789abcdef"), new byte[5]);
        Path halfWritten = Files.write(dir.resolve("download-123.part"), new byte[5]);
        Path notOurs = Files.write(dir.resolve("notes.txt"), new byte[5]);

        DownloadCache again = cache(1000);

        assertThat(again.get(A)).isPresent();
        assertThat(again.totalBytes()).isEqualTo(10);
        assertThat(oldShared).doesNotExist();
        assertThat(halfWritten).doesNotExist();
        assertThat(notOurs).exists();
    }
}
