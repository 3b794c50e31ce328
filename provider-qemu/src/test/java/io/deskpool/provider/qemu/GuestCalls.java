package io.deskpool.provider.qemu;

import io.deskpool.core.guest.GuestExec;
import io.deskpool.core.spi.VmEndpoints;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Calls into the guest for test assertions, each on a fresh connection. */
final class GuestCalls {
    private GuestCalls() {
    }

    static GuestExec.Result shell(VmEndpoints vm, String command) throws IOException {
        return GuestExec.shell(vm, command, Duration.ofSeconds(60));
    }

    /** The body of GET /screenshot (a PNG), failing on any status but 200. */
    static byte[] screenshot(VmEndpoints vm) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(vm.host(), vm.serverPort()), 10_000);
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /screenshot HTTP/1.0\r\nHost: " + vm.host() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] all = socket.getInputStream().readAllBytes();
            String head = new String(all, 0, Math.min(all.length, 12), StandardCharsets.US_ASCII);
            if (!head.endsWith("200")) {
                throw new IOException("GET /screenshot answered " + head);
            }
            for (int i = 0; i + 3 < all.length; i++) {
                if (all[i] == '\r' && all[i + 1] == '\n' && all[i + 2] == '\r' && all[i + 3] == '\n') {
                    return java.util.Arrays.copyOfRange(all, i + 4, all.length);
                }
            }
            throw new IOException("GET /screenshot: no end of headers");
        }
    }

    /** The HTTP status of GET path on the in-VM server. */
    static int getStatus(VmEndpoints vm, int port, String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(vm.host(), port), 10_000);
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.0\r\nHost: " + vm.host() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            in.readAllBytes();
            return Integer.parseInt(head.substring(9, 12));
        }
    }

    /** POST {@code json} to {@code path} on the in-VM server: its answer, whatever the status. */
    static HttpResponse<String> postJson(VmEndpoints vm, String path, String json) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(vm.serverUri(path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted: POST " + path);
        }
    }
}
