package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.net.FetchDestinations;
import io.deskpool.core.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Downloads through the cache, from a real HTTP server on loopback (allowed for these tests by the allow-list). */
class FileDownloaderTest {
    @TempDir
    Path cacheDir;
    private final MutableClock clock = new MutableClock();
    private LoopbackFiles files;

    @BeforeEach
    void start() throws Exception {
        files = new LoopbackFiles("127.0.0.1");
    }

    @AfterEach
    void stop() {
        files.close();
    }

    private FileDownloader downloader(String allow, long cacheBytes) {
        return new FileDownloader(new DownloadCache(cacheDir, cacheBytes, Duration.ofHours(1), clock),
                GuardedHttpGet.forThisHost(FetchDestinations.AllowList.parse(allow)), 1 << 20);
    }

    private static String fetch(FileDownloader d, String owner, String url) throws Exception {
        try (DownloadCache.Entry e = d.fetch(owner, url, Deadline.after(Duration.ofSeconds(20)))) {
            return Files.readString(e.path());
        }
    }

    @Test
    void a_url_on_loopback_is_refused_unless_allowed() throws Exception {
        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> fetch(downloader("", 1 << 20), "alice", files.url("/file/a")));

        assertThat(EnvFailure.DOWNLOAD_REFUSED.is(e)).isTrue();
        assertThat(files.total()).isZero();
        assertThat(fetch(downloader("127.0.0.1", 1 << 20), "alice", files.url("/file/a"))).isEqualTo("a");
    }

    @Test
    void the_same_caller_gets_its_cached_copy() throws Exception {
        FileDownloader d = downloader("127.0.0.1", 1 << 20);

        assertThat(fetch(d, "alice", files.url("/file/a"))).isEqualTo("a");
        assertThat(fetch(d, "alice", files.url("/file/a"))).isEqualTo("a");
        assertThat(files.hits("/file/a")).isEqualTo(1);
    }

    @Test
    void another_caller_never_gets_a_copy_fetched_for_someone_else() throws Exception {
        FileDownloader d = downloader("127.0.0.1", 1 << 20);

        fetch(d, "alice", files.url("/file/a"));
        fetch(d, "bob", files.url("/file/a"));
        fetch(d, "alice", files.url("/file/a"));

        assertThat(files.hits("/file/a")).isEqualTo(2);
    }

    @Test
    void a_copy_older_than_the_lifetime_is_fetched_again() throws Exception {
        FileDownloader d = downloader("127.0.0.1", 1 << 20);
        fetch(d, "alice", files.url("/file/a"));

        clock.advance(Duration.ofMinutes(59));
        fetch(d, "alice", files.url("/file/a"));
        clock.advance(Duration.ofMinutes(2));
        fetch(d, "alice", files.url("/file/a"));

        assertThat(files.hits("/file/a")).isEqualTo(2);
    }

    @Test
    void the_least_recently_used_copy_goes_when_the_cache_is_over_its_cap() throws Exception {
        FileDownloader d = downloader("127.0.0.1", 2500);
        fetch(d, "alice", files.url("/bytes/1000"));
        fetch(d, "alice", files.url("/sized/1000"));
        fetch(d, "alice", files.url("/bytes/1000"));      // used again: /sized/1000 is now the least recent

        fetch(d, "alice", files.url("/bytes/1001"));      // over the cap: one must go
        fetch(d, "alice", files.url("/bytes/1000"));
        fetch(d, "alice", files.url("/sized/1000"));

        assertThat(files.hits("/bytes/1000")).isEqualTo(1);
        assertThat(files.hits("/sized/1000")).isEqualTo(2);
        try (var listing = Files.list(cacheDir)) {
            assertThat(listing.mapToLong(p -> p.toFile().length()).sum()).isLessThanOrEqualTo(2500);
        }
    }

    @Test
    void file_names_and_failures_show_neither_the_caller_nor_the_query_string() throws Exception {
        FileDownloader d = downloader("127.0.0.1", 1 << 20);
        fetch(d, "alice-secret-token", files.url("/file/a?sig=SECRET"));

        DeskpoolException e = catchThrowableOfType(DeskpoolException.class,
                () -> fetch(d, "alice-secret-token", files.url("/missing?sig=SECRET")));

        assertThat(e.getMessage()).contains("/missing?<redacted>").contains("HTTP 404").doesNotContain("SECRET");
        try (var listing = Files.list(cacheDir)) {
            assertThat(listing.map(p -> p.getFileName().toString())).allMatch(n -> n.matches("[0-9a-f]{64}"));
        }
    }

    @Test
    void the_log_shows_downloads_without_their_query_strings_or_user_info() throws Exception {
        var captured = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            FileDownloader d = downloader("127.0.0.1", 1 << 20);
            fetch(d, "alice", files.url("/file/a?sig=SECRET"));
            fetch(d, "alice", files.url("/file/b").replace("http://", "http://user:PASSWORD@"));
            catchThrowableOfType(DeskpoolException.class, () -> fetch(d, "alice", files.url("/missing?sig=SECRET")));
            catchThrowableOfType(DeskpoolException.class, () -> fetch(downloader("", 1 << 20), "alice",
                    files.url("/refused?sig=SECRET").replace("http://", "http://user:PASSWORD@")));
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);

        assertThat(log).contains("Downloaded http://127.0.0.1:" + files.port() + "/file/a?<redacted>")
                .contains("Downloaded http://<redacted>@127.0.0.1:" + files.port() + "/file/b")
                .contains("/missing?<redacted>").contains("/refused?<redacted>")
                .doesNotContain("SECRET").doesNotContain("PASSWORD");
    }
}
