package io.deskpool.core.guest;

import io.deskpool.core.spi.VmEndpoints;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A stand-in for a VM's in-VM server on loopback that takes one connection, reads the request and answers with
 * whatever its {@link Answer} writes, byte for byte: a well-behaved guest, or a hostile one (an endless answer, one
 * dripped a byte at a time, malformed framing).
 */
public final class OneConnectionGuest implements AutoCloseable {
    /** What the guest writes on the accepted connection, after reading the request. */
    public interface Answer {
        void write(OutputStream out) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final Thread serving;

    private OneConnectionGuest(Answer answer) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        serving = new Thread(() -> {
            try (Socket s = server.accept()) {
                s.getInputStream().read(new byte[64 * 1024]);
                answer.write(s.getOutputStream());
            } catch (IOException | InterruptedException e) {
                // the client hung up, as it should when the answer runs past its limits
            }
        }, "stand-in-guest");
        serving.setDaemon(true);
        serving.start();
    }

    public static OneConnectionGuest answering(Answer answer) throws IOException {
        return new OneConnectionGuest(answer);
    }

    /** The guest's endpoints: its in-VM server on this stand-in's port, nothing else. */
    public VmEndpoints endpoints() {
        return new VmEndpoints("127.0.0.1", server.getLocalPort(), 0, 0, 0);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        serving.interrupt();
        serving.join(5_000);
    }
}
