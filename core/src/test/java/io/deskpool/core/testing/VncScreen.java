package io.deskpool.core.testing;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A minimal VNC (RFB 3.8) client over a WebSocket, for tests: it connects without a password, asks for 32-bit
 * true colour in the Raw encoding (lossless) and reads one complete frame. Nothing else of RFB is implemented.
 */
public final class VncScreen implements AutoCloseable {
    private final WebSocket socket;
    private final LinkedBlockingQueue<ByteBuffer> received = new LinkedBlockingQueue<>();
    private final Duration timeout;
    private volatile String closedBecause;
    private ByteBuffer current = ByteBuffer.allocate(0);
    private int width;
    private int height;

    private VncScreen(URI uri, Map<String, String> headers, Duration timeout) throws IOException {
        this.timeout = timeout;
        var builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(timeout);
        headers.forEach(builder::header);
        try {
            socket = builder.buildAsync(uri, new Listener()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IOException("WebSocket " + uri + " did not open: " + e, e);
        }
    }

    /** Connects and completes the RFB handshake. */
    public static VncScreen connect(URI webSocket, Duration timeout) throws IOException {
        return connect(webSocket, Map.of(), timeout);
    }

    public static VncScreen connect(URI webSocket, Map<String, String> headers, Duration timeout) throws IOException {
        VncScreen screen = new VncScreen(webSocket, headers, timeout);
        try {
            screen.handshake();
        } catch (IOException | RuntimeException e) {
            screen.close();
            throw e;
        }
        return screen;
    }

    /** One whole frame, as the server has it now. */
    public BufferedImage frame() throws IOException {
        send(ByteBuffer.allocate(10).put((byte) 3).put((byte) 0).putShort((short) 0).putShort((short) 0)
                .putShort((short) width).putShort((short) height).flip());
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        long covered = 0;
        while (covered < (long) width * height) {
            int type = u8();
            if (type != 0) {
                throw new IOException("unexpected server message type " + type);
            }
            u8();
            int rects = u16();
            for (int i = 0; i < rects; i++) {
                int x = u16(), y = u16(), w = u16(), h = u16();
                int encoding = read(4).getInt();
                if (encoding != 0) {
                    throw new IOException("server used encoding " + encoding + " instead of Raw");
                }
                ByteBuffer pixels = read(w * h * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int row = 0; row < h; row++) {
                    for (int col = 0; col < w; col++) {
                        image.setRGB(x + col, y + row, pixels.getInt() & 0xFFFFFF);
                    }
                }
                covered += (long) w * h;
            }
        }
        return image;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    private void handshake() throws IOException {
        String version = new String(read(12).array(), StandardCharsets.US_ASCII);
        if (!version.startsWith("RFB 003.")) {
            throw new IOException("not an RFB server: " + version.strip());
        }
        send(ByteBuffer.wrap("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII)));
        int count = u8();
        if (count == 0) {
            throw new IOException("server refused: " + reason());
        }
        boolean none = false;
        for (int i = 0; i < count; i++) {
            none |= u8() == 1;
        }
        if (!none) {
            throw new IOException("server requires authentication");
        }
        send(ByteBuffer.wrap(new byte[]{1}));
        if (read(4).getInt() != 0) {
            throw new IOException("security handshake failed: " + reason());
        }
        send(ByteBuffer.wrap(new byte[]{1}));
        width = u16();
        height = u16();
        read(16);
        read(read(4).getInt());
        ByteBuffer format = ByteBuffer.allocate(20).put((byte) 0).put(new byte[3])
                .put((byte) 32).put((byte) 24).put((byte) 0).put((byte) 1)
                .putShort((short) 255).putShort((short) 255).putShort((short) 255)
                .put((byte) 16).put((byte) 8).put((byte) 0).put(new byte[3]);
        send(format.flip());
        send(ByteBuffer.allocate(8).put((byte) 2).put((byte) 0).putShort((short) 1).putInt(0).flip());
    }

    private String reason() throws IOException {
        return new String(read(read(4).getInt()).array(), StandardCharsets.UTF_8);
    }

    private void send(ByteBuffer data) throws IOException {
        try {
            socket.sendBinary(data, true).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IOException("send failed: " + e, e);
        }
    }

    private int u8() throws IOException {
        return read(1).get() & 0xFF;
    }

    private int u16() throws IOException {
        return read(2).getShort() & 0xFFFF;
    }

    private ByteBuffer read(int n) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(n);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.hasRemaining()) {
            if (!current.hasRemaining()) {
                try {
                    long left = deadline - System.nanoTime();
                    current = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                if (current == null) {
                    current = ByteBuffer.allocate(0);
                    throw new IOException(closedBecause != null ? "connection closed: " + closedBecause
                            : "no data from the VNC server within " + timeout.toMillis() + " ms");
                }
            }
            int take = Math.min(out.remaining(), current.remaining());
            ByteBuffer slice = current.slice().limit(take);
            out.put(slice);
            current.position(current.position() + take);
        }
        return out.flip();
    }

    @Override
    public void close() {
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
            received.add(copy);
            ws.request(1);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closedBecause = statusCode + " " + reason;
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closedBecause = error.toString();
        }
    }
}
