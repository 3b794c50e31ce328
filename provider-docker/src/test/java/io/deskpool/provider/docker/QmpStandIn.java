package io.deskpool.provider.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test stand-in for a QEMU this machine cannot run (a newer QEMU than the test image's): a QMP socket that greets,
 * accepts {@code qmp_capabilities} and answers the commands it was given canned {@code return} values for (others
 * with a {@code CommandNotFound} error). It records the commands it was sent.
 */
final class QmpStandIn implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServerSocketChannel server;
    private final Path socket;
    private final Map<String, JsonNode> answers;
    private final List<String> commands = new CopyOnWriteArrayList<>();

    QmpStandIn(Path socket, Map<String, String> answers) throws IOException {
        this.socket = socket;
        this.answers = new java.util.HashMap<>();
        for (var e : answers.entrySet()) {
            this.answers.put(e.getKey(), JSON.readTree(e.getValue()));
        }
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(this::serve, "qmp-stand-in");
        t.setDaemon(true);
        t.start();
    }

    /** The commands sent so far, in order (without the handshake). */
    List<String> commands() {
        return List.copyOf(commands);
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                OutputStream out = Channels.newOutputStream(client);
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client),
                        StandardCharsets.UTF_8));
                send(out, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}");
                String line;
                while ((line = in.readLine()) != null) {
                    JsonNode request = JSON.readTree(line);
                    String command = request.path("execute").asText();
                    ObjectNode reply = JSON.createObjectNode();
                    if (request.has("id")) {
                        reply.set("id", request.get("id"));
                    }
                    if (command.equals("qmp_capabilities")) {
                        reply.set("return", JSON.createObjectNode());
                    } else {
                        commands.add(command);
                        JsonNode answer = answers.get(command);
                        if (answer != null) {
                            reply.set("return", answer);
                        } else {
                            reply.set("error", JSON.createObjectNode().put("class", "CommandNotFound")
                                    .put("desc", "The command " + command + " has not been found"));
                        }
                    }
                    send(out, reply.toString());
                }
            } catch (IOException e) {
                // the client left, or the stand-in was closed
            }
        }
    }

    private static void send(OutputStream out, String message) throws IOException {
        out.write((message + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
