package io.deskpool.provider.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test stand-in for an engine that goes away: forwards 127.0.0.1:PORT to the real engine's unix socket until
 * {@link #stop()}, which drops every connection and stops listening, as a dockerd that died would, and
 * {@link #resume()} listens on the same port again, as a restarted dockerd would (the real engine, which other
 * tests and people share, is never restarted).
 */
final class EngineForwarder implements AutoCloseable {
    private final int port;
    private final Path engineSocket;
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;

    EngineForwarder(Path engineSocket) throws IOException {
        this.engineSocket = engineSocket;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = server.getLocalPort();
        startAccepting(server);
    }

    String dockerHost() {
        return "tcp://127.0.0.1:" + port;
    }

    /** The engine is back: the same address accepts and forwards connections again. */
    synchronized void resume() throws IOException {
        if (!server.isClosed()) {
            return;
        }
        ServerSocket again = new ServerSocket();
        again.setReuseAddress(true);
        again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        server = again;
        startAccepting(again);
    }

    private void startAccepting(ServerSocket listener) {
        Thread acceptor = new Thread(() -> acceptLoop(listener), "engine-forwarder");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                SocketChannel engine = SocketChannel.open(StandardProtocolFamily.UNIX);
                engine.connect(UnixDomainSocketAddress.of(engineSocket));
                open.add(client);
                open.add(engine);
                // Straight channel reads and writes: the Channels stream adapters share one lock per channel, so a
                // blocked read would stall the write in the other direction.
                InputStream fromClient = client.getInputStream();
                OutputStream toClient = client.getOutputStream();
                pump(() -> {
                    byte[] chunk = new byte[16384];
                    int n;
                    while ((n = fromClient.read(chunk)) >= 0) {
                        ByteBuffer b = ByteBuffer.wrap(chunk, 0, n);
                        while (b.hasRemaining()) {
                            engine.write(b);
                        }
                    }
                });
                pump(() -> {
                    ByteBuffer b = ByteBuffer.allocate(16384);
                    while (engine.read(b) >= 0) {
                        toClient.write(b.array(), 0, b.position());
                        toClient.flush();
                        b.clear();
                    }
                });
            } catch (IOException e) {
                // closed, or a connection that failed: the client sees it
            }
        }
    }

    private interface Copy {
        void run() throws IOException;
    }

    private static void pump(Copy copy) {
        Thread t = new Thread(() -> {
            try {
                copy.run();
            } catch (IOException ignored) {
                // one side closed
            }
        }, "engine-forwarder-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        stop();
    }

    /** The engine "dies": no more connections, the open ones dropped. */
    synchronized void stop() throws IOException {
        server.close();
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already closed
            }
        }
        open.clear();
    }
}
