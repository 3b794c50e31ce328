package io.deskpool.core.guest;

import io.deskpool.core.spi.VmEndpoints;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GuestExec against stand-ins for an in-VM server on loopback, well-behaved and hostile: the guest is untrusted, so
 * its answer can be endless, dripped a byte at a time or malformed, and the host must neither fill its heap nor
 * wait past the call's timeout.
 */
class GuestExecTest {
    private OneConnectionGuest standIn;

    private VmEndpoints guestThat(OneConnectionGuest.Answer answer) throws IOException {
        standIn = OneConnectionGuest.answering(answer);
        return standIn.endpoints();
    }

    @AfterEach
    void stop() throws IOException, InterruptedException {
        standIn.close();
    }

    @Test
    void a_chunked_answer_is_read_whole() throws IOException {
        String json = "{\"status\": \"success\", \"output\": \"hi\\n\", \"error\": \"\", \"returncode\": 0}";
        VmEndpoints guest = guestThat(out -> out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(json.length()) + "\r\n" + json + "\r\n0\r\n\r\n").getBytes(StandardCharsets.UTF_8)));

        GuestExec.Result r = GuestExec.shell(guest, "echo hi", Duration.ofSeconds(10));

        assertThat(r.succeeded()).isTrue();
        assertThat(r.output()).isEqualTo("hi\n");
    }

    @Test
    void an_endless_answer_is_refused_once_it_passes_the_limit() throws IOException {
        AtomicLong sent = new AtomicLong();
        VmEndpoints guest = guestThat(out -> {
            out.write("HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] junk = new byte[64 * 1024];
            while (sent.get() < 64L * GuestExec.MAX_ANSWER_BYTES) {
                out.write(junk);
                sent.addAndGet(junk.length);
            }
        });

        assertThatThrownBy(() -> GuestExec.shell(guest, "true", Duration.ofSeconds(60)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("longer than " + GuestExec.MAX_ANSWER_BYTES + " bytes");
        assertThat(sent.get()).isLessThan(64L * GuestExec.MAX_ANSWER_BYTES);
    }

    @Test
    void an_answer_dripped_a_byte_at_a_time_ends_at_the_calls_timeout_not_per_read() throws IOException {
        VmEndpoints guest = guestThat(out -> {
            for (int i = 0; i < 600; i++) {
                out.write(' ');
                out.flush();
                Thread.sleep(100);
            }
        });

        // Each byte comes within the timeout; only the call's own deadline can end this (the drip lasts 60 s).
        assertThatThrownBy(() -> GuestExec.shell(guest, "true", Duration.ofSeconds(2)))
                .isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void a_malformed_chunk_size_is_an_io_error_not_a_crash_or_a_loop() throws IOException {
        VmEndpoints guest = guestThat(out -> out.write(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-4\r\nabcd\r\n".getBytes(StandardCharsets.US_ASCII)));

        assertThatThrownBy(() -> GuestExec.shell(guest, "true", Duration.ofSeconds(10)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("bad chunked body");
    }
}
