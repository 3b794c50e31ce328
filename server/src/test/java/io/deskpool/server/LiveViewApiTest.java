package io.deskpool.server;

import io.deskpool.core.settings.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may open a VM's live view, and the page and files it needs; over the in-memory provider (whose VNC ports
 * answer nothing: the relay itself is tested against real QEMU VMs in LiveViewBrowserTest).
 */
class LiveViewApiTest {
    private static final String ALPHA = "view-alpha-token";
    private static final String BETA = "view-beta-token";
    private static final String ADMIN = "view-admin-token";

    @TempDir
    Path state;
    private DeskpoolServer server;
    private HttpCalls http;

    @BeforeEach
    void start() {
        start("3");
    }

    private void start(String poolSize) {
        server = DeskpoolServer.start(Settings.of(Map.of(
                "PROVIDER", "memory", "STATE_DIR", state.toString(), "HOST", "127.0.0.1", "PORT", "0",
                "TOKENS", ALPHA + ":2," + BETA + ":2", "ADMIN_TOKEN", ADMIN, "POOL_SIZE", poolSize, "POOL_WARM", "1")),
                Clock.systemUTC());
        http = new HttpCalls("http://127.0.0.1:" + server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String leasedVm(String token) {
        return http.post("/v1/leases", token, "{\"wait_seconds\": 10}").json().path("vm_id").asText();
    }

    @Test
    void the_lease_holder_gets_a_one_time_ticket_for_its_vm() {
        String vm = leasedVm(ALPHA);

        HttpCalls.Reply reply = http.post("/v1/vms/" + vm + "/vnc-ticket", ALPHA, null);

        assertThat(reply.status()).isEqualTo(201);
        assertThat(reply.json().path("ticket").asText()).hasSizeGreaterThanOrEqualTo(32).doesNotContain(ALPHA);
        assertThat(reply.json().path("websocket_path").asText()).isEqualTo("/v1/vms/" + vm + "/vnc");
        assertThat(reply.json().path("expires_in_seconds").asInt()).isPositive();
    }

    @Test
    void a_ticket_needs_a_token() {
        String vm = leasedVm(ALPHA);

        assertThat(http.post("/v1/vms/" + vm + "/vnc-ticket", null, null).status()).isEqualTo(401);
    }

    @Test
    void another_clients_vm_is_not_found_as_if_it_did_not_exist() {
        String vm = leasedVm(ALPHA);

        HttpCalls.Reply reply = http.post("/v1/vms/" + vm + "/vnc-ticket", BETA, null);
        HttpCalls.Reply unknown = http.post("/v1/vms/no-such-vm/vnc-ticket", BETA, null);

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.body()).doesNotContain(ALPHA);
        assertThat(reply.json().path("error").asText()).isEqualTo(unknown.json().path("error").asText());
        assertThat(reply.json().path("message").asText().replace(vm, "ID"))
                .isEqualTo(unknown.json().path("message").asText().replace("no-such-vm", "ID"));
    }

    @Test
    void the_admin_may_view_any_vm_even_an_unleased_spare() {
        String spare = server.pool().vms().get(0).id();

        assertThat(http.post("/v1/vms/" + spare + "/vnc-ticket", ADMIN, null).status()).isEqualTo(201);
        assertThat(http.post("/v1/vms/" + spare + "/vnc-ticket", ALPHA, null).status()).as("a client, a spare").isEqualTo(404);
    }

    @Test
    void a_caller_without_a_known_token_cannot_probe_which_vms_exist() {
        String vm = leasedVm(ALPHA);

        assertThat(http.post("/v1/vms/" + vm + "/vnc-ticket", null, null).status()).isEqualTo(401);
        assertThat(http.post("/v1/vms/no-such-vm/vnc-ticket", null, null).status()).isEqualTo(401);
        assertThat(http.post("/v1/vms/" + vm + "/vnc-ticket", "not-a-known-token", null).status()).isEqualTo(403);
        assertThat(http.post("/v1/vms/no-such-vm/vnc-ticket", "not-a-known-token", null).status()).isEqualTo(403);
    }

    @Test
    void a_ticket_issued_before_a_release_is_refused_once_the_vm_is_handed_to_another_token() throws Exception {
        server.close();
        start("1");
        var lease = http.post("/v1/leases", ALPHA, "{\"wait_seconds\": 10}").json();
        String vm = lease.path("vm_id").asText();
        String ticket = http.post("/v1/vms/" + vm + "/vnc-ticket", ALPHA, null).json().path("ticket").asText();

        assertThat(http.delete("/v1/leases/" + lease.path("lease_id").asText(), ALPHA).status()).isEqualTo(204);
        assertThat(leasedVm(BETA)).as("the one VM, reverted and handed to the other token").isEqualTo(vm);

        assertThat(closeCode("/v1/vms/" + vm + "/vnc?ticket=" + ticket)).isEqualTo(1008);
    }

    @Test
    void a_ticket_is_refused_once_its_lease_has_ended_even_if_the_same_token_leases_the_vm_again() throws Exception {
        server.close();
        start("1");
        var lease = http.post("/v1/leases", ALPHA, "{\"wait_seconds\": 10}").json();
        String vm = lease.path("vm_id").asText();
        String ticket = http.post("/v1/vms/" + vm + "/vnc-ticket", ALPHA, null).json().path("ticket").asText();

        http.delete("/v1/leases/" + lease.path("lease_id").asText(), ALPHA);
        assertThat(leasedVm(ALPHA)).as("the one VM, leased again").isEqualTo(vm);

        assertThat(closeCode("/v1/vms/" + vm + "/vnc?ticket=" + ticket)).isEqualTo(1008);
    }

    @Test
    void an_admin_ticket_stays_good_across_a_hand_out() throws Exception {
        server.close();
        start("1");
        var lease = http.post("/v1/leases", ALPHA, "{\"wait_seconds\": 10}").json();
        String vm = lease.path("vm_id").asText();
        String ticket = http.post("/v1/vms/" + vm + "/vnc-ticket", ADMIN, null).json().path("ticket").asText();

        http.delete("/v1/leases/" + lease.path("lease_id").asText(), ALPHA);
        assertThat(leasedVm(BETA)).isEqualTo(vm);

        // Past the check (the in-memory VM's VNC port answers nothing, so the relay then gives up).
        assertThat(closeCode("/v1/vms/" + vm + "/vnc?ticket=" + ticket)).isEqualTo(1011);
    }

    @Test
    void a_ticket_for_an_unknown_vm_is_not_found() {
        assertThat(http.post("/v1/vms/no-such-vm/vnc-ticket", ADMIN, null).status()).isEqualTo(404);
    }

    @Test
    void the_websocket_refuses_a_missing_or_made_up_ticket() throws Exception {
        String vm = leasedVm(ALPHA);

        assertThat(closeCode("/v1/vms/" + vm + "/vnc")).isEqualTo(1008);
        assertThat(closeCode("/v1/vms/" + vm + "/vnc?ticket=made-up")).isEqualTo(1008);
    }

    @Test
    void a_ticket_works_once() throws Exception {
        String vm = leasedVm(ALPHA);
        String ticket = http.post("/v1/vms/" + vm + "/vnc-ticket", ALPHA, null).json().path("ticket").asText();

        // A valid ticket gets past the check; the in-memory VM's VNC port answers nothing, so the relay gives up.
        assertThat(closeCode("/v1/vms/" + vm + "/vnc?ticket=" + ticket)).as("first use").isEqualTo(1011);
        assertThat(closeCode("/v1/vms/" + vm + "/vnc?ticket=" + ticket)).as("used again").isEqualTo(1008);
    }

    @Test
    void a_ticket_works_only_for_its_vm() throws Exception {
        String vm = leasedVm(ALPHA);
        String other = leasedVm(ALPHA);
        String ticket = http.post("/v1/vms/" + vm + "/vnc-ticket", ALPHA, null).json().path("ticket").asText();

        assertThat(closeCode("/v1/vms/" + other + "/vnc?ticket=" + ticket)).isEqualTo(1008);
    }

    @Test
    void the_view_page_loads_novnc_from_this_server() {
        String vm = leasedVm(ALPHA);

        HttpCalls.Reply page = http.get("/vms/" + vm + "/view", null);
        HttpCalls.Reply rfb = http.get("/novnc/core/rfb.js", null);

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("data-vm-id=\"" + vm + "\"").contains("from \"/novnc/core/rfb.js\"");
        assertThat(rfb.status()).isEqualTo(200);
        assertThat(rfb.headers().firstValue("Content-Type").orElse("")).contains("javascript");
        assertThat(rfb.body()).contains("export default class RFB");
    }

    @Test
    void the_view_page_escapes_the_vm_id_it_names() {
        HttpCalls.Reply page = http.get("/vms/%3Cscript%3Ealert(1)%3C%2Fscript%3E/view", null);

        assertThat(page.body()).doesNotContain("<script>alert(1)").contains("&lt;script&gt;");
    }

    @Test
    void osworld_window_route_leads_to_the_live_view_of_the_emulators_vm() {
        var started = http.post("/start_emulator", ALPHA, null).json().path("data");
        String emulator = started.path("emulator_id").asText();
        String vm = server.pool().lease(emulator).orElseThrow().vmId();

        HttpCalls.Reply reply = http.get("/window?emulator_id=" + emulator, ALPHA);

        assertThat(reply.status()).isEqualTo(302);
        assertThat(reply.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).startsWith("/vms/" + vm + "/view#ticket="));
        assertThat(http.get("/window?emulator_id=" + emulator, BETA).status()).as("someone else's emulator").isEqualTo(404);
    }

    @Test
    void osworld_window_route_hands_the_page_a_one_time_ticket_in_the_fragment_so_a_browser_needs_no_token() throws Exception {
        String emulator = http.post("/start_emulator", ALPHA, null).json().path("data").path("emulator_id").asText();
        String vm = server.pool().lease(emulator).orElseThrow().vmId();

        String location = http.get("/window?emulator_id=" + emulator + "&token=" + ALPHA, null).headers()
                .firstValue("Location").orElseThrow();
        String ticket = location.substring(location.indexOf("#ticket=") + "#ticket=".length());

        assertThat(ticket).hasSizeGreaterThanOrEqualTo(32).doesNotContain(ALPHA);
        assertThat(closeCode("/v1/vms/" + vm + "/vnc?ticket=" + ticket)).as("first use").isEqualTo(1011);
        assertThat(closeCode("/v1/vms/" + vm + "/vnc?ticket=" + ticket)).as("used again").isEqualTo(1008);
    }

    @Test
    void a_ticket_asked_for_without_a_token_says_the_view_needs_one() {
        String vm = leasedVm(ALPHA);

        HttpCalls.Reply reply = http.post("/v1/vms/" + vm + "/vnc-ticket", null, null);

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.json().path("message").asText()).contains("needs a token").doesNotContain("you do not lease");
    }

    /** Opens the WebSocket and returns the close code the server ends it with. */
    private int closeCode(String path) throws Exception {
        CompletableFuture<Integer> code = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + path), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
                        code.complete(status);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket w, Throwable error) {
                        code.completeExceptionally(error);
                    }
                }).get(10, TimeUnit.SECONDS);
        try {
            return code.get(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            ws.abort();
        }
    }
}
