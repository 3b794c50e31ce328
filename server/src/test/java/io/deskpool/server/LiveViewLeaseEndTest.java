package io.deskpool.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A live view lasts only as long as the lease it was opened through, on a real QEMU test guest (whose VNC server
 * answers through the relay): once the holder releases the VM and it is reverted and handed to another token, the
 * old holder's open view is closed and a ticket it kept is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveViewLeaseEndTest {
    private static final String ALPHA = QemuServerTestBed.ALPHA;
    private static final String BETA = QemuServerTestBed.BETA;

    @TempDir
    static Path state;
    private DeskpoolServer server;
    private HttpCalls http;

    @BeforeAll
    void start() {
        // One VM only: the VM Alpha gives back is the one Beta gets.
        server = QemuServerTestBed.start(state, Map.of("POOL_SIZE", "1", "POOL_WARM", "1"));
        http = new HttpCalls("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void a_released_lease_closes_its_open_view_and_its_unused_tickets_are_refused_after_the_vm_is_handed_on() throws Exception {
        var lease = http.post("/v1/leases", ALPHA, "{\"wait_seconds\": 240}").json();
        String vm = lease.path("vm_id").asText();
        Viewer open = Viewer.connect(server, vm, ticket(vm, ALPHA));
        String kept = ticket(vm, ALPHA);
        assertThat(open.banner()).as("the relay reaches the guest's VNC server").startsWith("RFB ");

        assertThat(http.delete("/v1/leases/" + lease.path("lease_id").asText(), ALPHA).status()).isEqualTo(204);

        assertThat(open.closeCode()).as("the open view, closed when its lease ended").isEqualTo(1008);
        assertThat(http.post("/v1/leases", BETA, "{\"wait_seconds\": 240}").json().path("vm_id").asText())
                .as("the one VM, reverted and handed to the other token").isEqualTo(vm);
        Viewer late = Viewer.connect(server, vm, kept);
        assertThat(late.closeCode()).as("the ticket kept from the ended lease").isEqualTo(1008);
        assertThat(late.received()).as("nothing of the new holder's screen").isZero();
        assertThat(Viewer.connect(server, vm, ticket(vm, BETA)).banner()).as("the new holder's own view").startsWith("RFB ");
    }

    private String ticket(String vm, String token) {
        HttpCalls.Reply reply = http.post("/v1/vms/" + vm + "/vnc-ticket", token, null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().path("ticket").asText();
    }

    /** A bare WebSocket client of the live view: what the relay sent it, and how the server closed it. */
    private static final class Viewer implements WebSocket.Listener {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<String> banner = new CompletableFuture<>();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();

        static Viewer connect(DeskpoolServer server, String vm, String ticket) throws Exception {
            Viewer viewer = new Viewer();
            HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/v1/vms/" + vm + "/vnc?ticket=" + ticket), viewer)
                    .get(30, TimeUnit.SECONDS);
            return viewer;
        }

        @Override
        public synchronized CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            bytes.writeBytes(b);
            if (bytes.size() >= 12) {
                banner.complete(bytes.toString(StandardCharsets.US_ASCII).substring(0, 12));
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.complete(status);
            banner.complete("(closed: " + status + " " + reason + ")");
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
            banner.completeExceptionally(error);
        }

        /** The RFB protocol version the VNC server opens with ("RFB 003.008\n"). */
        String banner() throws Exception {
            return banner.get(60, TimeUnit.SECONDS);
        }

        int closeCode() throws Exception {
            return closed.get(60, TimeUnit.SECONDS);
        }

        synchronized int received() {
            return bytes.size();
        }
    }
}
