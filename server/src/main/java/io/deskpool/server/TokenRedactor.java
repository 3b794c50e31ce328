package io.deskpool.server;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Turns a token into a stable label that is safe for logs, request logs, metrics and other people's screens:
 * {@code tok-} and 8 hex digits of an HMAC-SHA256 keyed with this server's secret (STATE_DIR/token-label-key).
 * The same token always gives the same label on one server; without the key a label cannot be checked against
 * guessed tokens, so even a short token is not recovered from it.
 */
public final class TokenRedactor {
    private static final String ALGORITHM = "HmacSHA256";
    private final SecretKeySpec key;

    public TokenRedactor(byte[] key) {
        Objects.requireNonNull(key, "key is null");
        if (key.length < 16) {
            throw new IllegalArgumentException("a token label key needs at least 16 bytes");
        }
        this.key = new SecretKeySpec(key.clone(), ALGORITHM);
    }

    public String redact(String token) {
        if (token == null || token.isEmpty()) {
            return "";
        }
        try {
            Mac mac = Mac.getInstance(ALGORITHM); // a Mac is not thread-safe; making one is cheap
            mac.init(key);
            byte[] hash = mac.doFinal(token.getBytes(StandardCharsets.UTF_8));
            return "tok-" + HexFormat.of().formatHex(hash, 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
