package io.deskpool.server;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The request log on a disk that is full (/dev/full): requests still answer from memory, and it says so once. */
class RequestLogTest {
    @Test
    void a_full_disk_is_logged_once_not_at_every_write() throws Exception {
        PrintStream err = System.err;
        var captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (RequestLog requests = new RequestLog(100, Path.of("/dev/full"))) {
            for (int i = 0; i < 5; i++) {
                requests.add(new RequestLog.Entry("2026-01-01T00:00:00Z", "GET", "/status", 200, 1.0, "", "127.0.0.1"));
                Thread.sleep(300);
            }

            assertThat(requests.recent(0)).hasSize(5);
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("Writing the request log failed");
        assertThat(log.split("Writing the request log failed", -1)).as(log).hasSize(2);
    }
}
