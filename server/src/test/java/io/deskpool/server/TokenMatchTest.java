package io.deskpool.server;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A presented token is matched in constant time: the time a wrong guess takes must not say how much of it was
 * right, nor which known token it came close to, nor how long the tokens are. Timing itself is not measured here
 * (no wall-clock asserts); what makes it constant is: every known token is compared, always as digests of one
 * length, by a comparison that does not stop at the first difference (MessageDigest.isEqual).
 */
class TokenMatchTest {
    private static final List<String> KNOWN = List.of("alice-secret-token", "b", "carol-token-of-another-length");

    /** Records each comparison, then compares as the server does. */
    private static final class RecordingComparison {
        final List<byte[][]> calls = new ArrayList<>();

        boolean equal(byte[] a, byte[] b) {
            calls.add(new byte[][]{a, b});
            return MessageDigest.isEqual(a, b);
        }
    }

    @Test
    void a_match_still_compares_every_known_token() {
        RecordingComparison comparison = new RecordingComparison();

        assertThat(TokenRegistry.match(KNOWN, "alice-secret-token", comparison::equal)).contains("alice-secret-token");
        assertThat(comparison.calls).hasSize(KNOWN.size());
    }

    @Test
    void tokens_are_compared_as_digests_of_one_length() {
        RecordingComparison comparison = new RecordingComparison();

        assertThat(TokenRegistry.match(KNOWN, "alice-secret-tokeX", comparison::equal)).isEmpty();
        assertThat(comparison.calls).hasSize(KNOWN.size()).allSatisfy(pair -> {
            assertThat(pair[0]).hasSize(32);
            assertThat(pair[1]).hasSize(32);
        });
    }

    @Test
    void the_admin_token_is_compared_the_same_way() {
        assertThat(TokenRegistry.sameToken("admin-token", "admin-token")).isTrue();
        assertThat(TokenRegistry.sameToken("admin-token", "admin-tokeN")).isFalse();
        assertThat(TokenRegistry.sameToken("admin-token", "admin")).isFalse();
    }
}
