package io.deskpool.env;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * An HTTP answer's body read into memory up to a limit. The guest is untrusted: an answer longer than the limit is
 * refused ({@link TooLong}) and its connection dropped, rather than read until the host's heap is full.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    /** The answer went past the limit. */
    static final class TooLong extends IOException {
        private final long limit;

        TooLong(long limit) {
            super("the answer is longer than " + limit + " bytes");
            this.limit = limit;
        }

        long limit() {
            return limit;
        }
    }

    private final long maxBytes;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private Flow.Subscription subscription;

    private BoundedBody(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes < 0: " + maxBytes);
        }
        this.maxBytes = Math.min(maxBytes, Integer.MAX_VALUE - 8);
    }

    /** The body's bytes, at most {@code maxBytes}. */
    static HttpResponse.BodyHandler<byte[]> bytes(long maxBytes) {
        return info -> new BoundedBody(maxBytes);
    }

    /** The body as UTF-8 text, at most {@code maxBytes}. */
    static HttpResponse.BodyHandler<String> text(long maxBytes) {
        return info -> HttpResponse.BodySubscribers.mapping(new BoundedBody(maxBytes),
                b -> new String(b, StandardCharsets.UTF_8));
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (body.isDone()) {
            return;
        }
        for (ByteBuffer item : items) {
            if (bytes.size() + (long) item.remaining() > maxBytes) {
                subscription.cancel();
                body.completeExceptionally(new TooLong(maxBytes));
                return;
            }
            byte[] chunk = new byte[item.remaining()];
            item.get(chunk);
            bytes.write(chunk, 0, chunk.length);
        }
    }

    @Override
    public void onError(Throwable t) {
        body.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        body.complete(bytes.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return body;
    }
}
