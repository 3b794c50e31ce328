package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.guest.OneConnectionGuest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The env engine's calls to a VM whose in-VM server answers as an attacker would (a stand-in on loopback; the guest
 * is untrusted): an endless answer is refused once it passes the limit, not read into the heap, and a body dripped a
 * byte at a time ends at the caller's deadline (HttpClient's own timeout stops counting at the answer's headers).
 */
class HostileGuestAnswersTest {
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private OneConnectionGuest standIn;

    private GuestClient guestThat(OneConnectionGuest.Answer answer) throws IOException {
        standIn = OneConnectionGuest.answering(answer);
        return new GuestClient(standIn.endpoints(), executor);
    }

    @AfterEach
    void stop() throws IOException, InterruptedException {
        standIn.close();
        executor.shutdownNow();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void an_endless_screenshot_is_refused_once_it_passes_the_limit() throws IOException {
        AtomicLong sent = new AtomicLong();
        long endless = 16 * GuestClient.ANSWER_MAX_BYTES;
        GuestClient guest = guestThat(out -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n"));
            byte[] chunk = new byte[256 * 1024];
            byte[] head = ascii(Integer.toHexString(chunk.length) + "\r\n");
            while (sent.get() < endless) {
                out.write(head);
                out.write(chunk);
                out.write(ascii("\r\n"));
                sent.addAndGet(chunk.length);
            }
        });

        assertThatThrownBy(() -> guest.screenshot(Deadline.after(Duration.ofSeconds(120))))
                .isInstanceOfSatisfying(GuestException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GuestException.Kind.REFUSED);
                    assertThat(e).hasMessageContaining("answered more than " + GuestClient.ANSWER_MAX_BYTES + " bytes");
                });
        assertThat(sent.get()).isLessThan(endless);
    }

    @Test
    void a_body_dripped_a_byte_at_a_time_ends_at_the_callers_deadline() throws IOException {
        GuestClient guest = guestThat(out -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 600\r\n\r\n"));
            out.flush();
            for (int i = 0; i < 600; i++) {
                out.write(' ');
                out.flush();
                Thread.sleep(100);
            }
        });

        // The headers come at once and each byte well within any timeout: only a deadline on the whole call ends this.
        assertThatThrownBy(() -> guest.terminal(Deadline.after(Duration.ofSeconds(2))))
                .isInstanceOfSatisfying(GuestException.class,
                        e -> assertThat(e.kind()).isEqualTo(GuestException.Kind.TIMEOUT));
    }

    @Test
    void a_file_larger_than_the_download_limit_is_a_getter_failure() throws IOException {
        GuestClient guest = guestThat(out -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n"));
            out.write(new byte[4096]);
        });

        assertThatThrownBy(() -> guest.file("/home/user/big.bin", 1024, Deadline.after(Duration.ofSeconds(30))))
                .isInstanceOfSatisfying(DeskpoolException.class,
                        e -> assertThat(e).hasMessageContaining("'/home/user/big.bin' is larger than"));
    }

    @Test
    void a_file_within_the_limit_is_read_whole_and_a_missing_one_is_empty() throws IOException {
        GuestClient guest = guestThat(out -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
        });

        assertThat(guest.file("/home/user/a.txt", 1024, Deadline.after(Duration.ofSeconds(30))))
                .hasValueSatisfying(b -> assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("hello"));
    }
}
