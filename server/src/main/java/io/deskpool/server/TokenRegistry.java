package io.deskpool.server;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.TokenQuotas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiPredicate;

/**
 * The known client tokens and their limits. Configured tokens (TOKENS, config.yaml) are the base; limits set at run
 * time by an admin are kept in {@code STATE_DIR/token-limits.json} and win over the configuration after a restart.
 * A presented token is matched in constant time (equal-length digests, every known token compared), and tokens are
 * shown to others only as labels ({@link TokenRedactor}).
 */
final class TokenRegistry {
    private static final Logger log = LoggerFactory.getLogger(TokenRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TokenQuotas quotas;
    private final Path overridesFile;
    private final Map<String, Integer> overrides;
    private final TokenRedactor labels;

    TokenRegistry(Map<String, Integer> configured, boolean requireToken, Path stateDir, TokenRedactor labels) {
        this.labels = labels;
        for (String name : configured.keySet()) {
            TokenNames.problem(name).ifPresent(problem -> {
                throw new DeskpoolException(ErrorCode.INVALID_SETTING, "TOKENS has an unusable token (" + labels.redact(name)
                        + "): " + problem);
            });
        }
        this.overridesFile = stateDir.resolve("token-limits.json");
        this.overrides = readOverrides(overridesFile);
        overrides.keySet().removeIf(name -> TokenNames.problem(name).map(problem -> {
            log.warn("Ignoring token {} kept in {}: {}", labels.redact(name), overridesFile, problem);
            return true;
        }).orElse(false));
        var limits = new TreeMap<>(configured);
        limits.putAll(overrides);
        // Without required tokens anyone may ask under any name: no limit unless one is set.
        this.quotas = new TokenQuotas(limits, requireToken ? 0 : Integer.MAX_VALUE);
        if (!overrides.isEmpty()) {
            log.info("Token limits: {} set at run time kept from {}", overrides.size(), overridesFile);
        }
    }

    TokenQuotas quotas() {
        return quotas;
    }

    /** Whether {@code token} is a known token now (compared in constant time). */
    boolean isKnown(String token) {
        return match(token).isPresent();
    }

    /**
     * The known token equal to {@code presented}, compared in constant time: a caller learns nothing from how long
     * a wrong guess took (not even how many characters were right).
     */
    Optional<String> match(String presented) {
        return match(quotas.limits().keySet(), presented, MessageDigest::isEqual);
    }

    /**
     * The one of {@code known} equal to {@code presented}: every known token is compared, whatever matched before, as
     * SHA-256 digests (all of one length, so not even a token's length shows) with {@code equal}, which is
     * {@link MessageDigest#isEqual} (constant time) outside tests.
     */
    static Optional<String> match(Collection<String> known, String presented, BiPredicate<byte[], byte[]> equal) {
        if (presented == null) {
            return Optional.empty();
        }
        byte[] digest = digest(presented);
        String found = null;
        for (String candidate : known) {
            if (equal.test(digest, digest(candidate))) {
                found = candidate;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Whether two tokens are the same, in constant time. */
    static boolean sameToken(String a, String b) {
        return MessageDigest.isEqual(digest(a), digest(b));
    }

    /** How {@code token} is shown where it must not be seen: {@code tok-<8 hex>}. */
    String label(String token) {
        return labels.redact(token);
    }

    TokenRedactor labels() {
        return labels;
    }

    /** Sets (or creates) a token's limit and keeps it for the next start; 400 for a token nobody could send. */
    synchronized void setLimit(String token, int limit) {
        TokenNames.problem(token).ifPresent(problem -> {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, problem);
        });
        quotas.setLimit(token, limit);
        overrides.put(token, limit);
        persist();
    }

    synchronized boolean remove(String token) {
        overrides.remove(token);
        boolean removed = quotas.remove(token);
        persist();
        return removed;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private void persist() {
        try {
            StateDirectory.writeAtomically(overridesFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(overrides));
        } catch (IOException e) {
            throw new DeskpoolException(ErrorCode.INTERNAL, "cannot keep token limits in " + overridesFile + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Integer> readOverrides(Path file) {
        if (!Files.isRegularFile(file)) {
            return new TreeMap<>();
        }
        try {
            return new TreeMap<>(JSON.readValue(file.toFile(), new TypeReference<Map<String, Integer>>() { }));
        } catch (IOException e) {
            throw new DeskpoolException(ErrorCode.INVALID_SETTING, file + " is not a JSON map of token to limit: " + e.getMessage(), e);
        }
    }
}
