package io.deskpool.core.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.core.spi.VmEndpoints;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Runs a shell command in the guest through the in-VM server's {@code POST /execute}. Every call opens a fresh
 * connection and closes it: after a snapshot restore the guest has forgotten every connection opened since the
 * snapshot, so a pooled keep-alive connection would hang or be reset. The guest is untrusted (a forked child carries
 * whatever an agent left running in its parent): the whole call, not each read, ends at the timeout, and an answer
 * longer than {@link #MAX_ANSWER_BYTES} is refused rather than read.
 */
public final class GuestExec {
    /** The most of an answer read; /execute answers a short status and the command's output. */
    static final int MAX_ANSWER_BYTES = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The server's answer: HTTP status and the /execute fields (returncode -1 when absent). */
    public record Result(int httpStatus, String status, String output, String error, int returncode) {
        public Result {
            requireNonNull(status, "status is null");
            requireNonNull(output, "output is null");
            requireNonNull(error, "error is null");
        }

        public boolean succeeded() {
            return httpStatus == 200 && returncode == 0;
        }
    }

    private GuestExec() {
    }

    /** Runs {@code command} through the guest's shell. */
    public static Result shell(VmEndpoints target, String command, Duration timeout) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("command", command);
        body.put("shell", true);
        return execute(target, body, timeout);
    }

    /** Runs the program {@code argv[0]} with its arguments, without a shell (one process fewer in the guest). */
    public static Result program(VmEndpoints target, List<String> argv, Duration timeout) throws IOException {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv is empty");
        }
        ObjectNode body = JSON.createObjectNode();
        argv.forEach(body.putArray("command")::add);
        body.put("shell", false);
        return execute(target, body, timeout);
    }

    private static Result execute(VmEndpoints target, ObjectNode body, Duration timeout) throws IOException {
        byte[] payload = body.toString().getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + Math.max(1, timeout.toNanos());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(target.host(), target.serverPort()), remainingMillis(deadline, timeout));
            socket.setSoTimeout(remainingMillis(deadline, timeout));
            OutputStream out = socket.getOutputStream();
            String head = "POST /execute HTTP/1.1\r\nHost: " + target.host() + ":" + target.serverPort()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + payload.length
                    + "\r\nConnection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            String response = readAnswer(socket, deadline, timeout);
            return parse(response);
        }
    }

    private static Result parse(String response) throws IOException {
        int lineEnd = response.indexOf("\r\n");
        String statusLine = lineEnd < 0 ? response : response.substring(0, lineEnd);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP answer: " + abbreviate(statusLine));
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad HTTP status line: " + abbreviate(statusLine), e);
        }
        int bodyStart = response.indexOf("\r\n\r\n");
        String body = bodyStart < 0 ? "" : response.substring(bodyStart + 4);
        if (isChunked(response.substring(0, Math.max(0, bodyStart)))) {
            try {
                body = dechunk(body);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunked body: " + abbreviate(body), e);
            }
        }
        JsonNode json;
        try {
            json = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return new Result(status, "", "", "unparsable body: " + abbreviate(body), -1);
        }
        return new Result(status, json.path("status").asText(""), json.path("output").asText(""),
                json.path("error").asText(json.path("message").asText("")), json.path("returncode").asInt(-1));
    }

    private static boolean isChunked(String headers) {
        return headers.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked");
    }

    private static String dechunk(String body) {
        var out = new StringBuilder();
        int i = 0;
        while (i < body.length()) {
            int eol = body.indexOf("\r\n", i);
            if (eol < 0) {
                break;
            }
            int size = Integer.parseInt(body.substring(i, eol).split(";")[0].trim(), 16);
            if (size < 0) {
                throw new NumberFormatException("negative chunk size " + size);
            }
            if (size == 0) {
                break;
            }
            out.append(body, eol + 2, Math.min(body.length(), eol + 2 + size));
            i = eol + 2 + size + 2;
        }
        return out.toString();
    }

    /** Reads until the guest closes the connection, within the call's deadline and {@link #MAX_ANSWER_BYTES}. */
    private static String readAnswer(Socket socket, long deadline, Duration timeout) throws IOException {
        InputStream in = socket.getInputStream();
        var answer = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (true) {
            socket.setSoTimeout(remainingMillis(deadline, timeout));
            int n = in.read(buffer);
            if (n < 0) {
                return answer.toString(StandardCharsets.UTF_8);
            }
            if (answer.size() + n > MAX_ANSWER_BYTES) {
                throw new IOException("the in-VM server's answer to /execute is longer than " + MAX_ANSWER_BYTES + " bytes");
            }
            answer.write(buffer, 0, n);
        }
    }

    /** What is left of the call's time, in whole milliseconds (at least 1, as 0 means no limit to a socket). */
    private static int remainingMillis(long deadline, Duration timeout) throws SocketTimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("the in-VM server did not answer /execute within " + timeout.toMillis() + " ms");
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000));
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
