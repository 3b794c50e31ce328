package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.Metric;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Deskpool's {@code compare_file_hash(actual, expected, algorithm="sha256")}: 1 when the actual file has the
 * same digest as the expected file, or as a rule's hex digest ({@code {"expected": "ab12..."}}). Binary-safe,
 * for files {@code compare_text_file} cannot read; 0 when the actual file is missing. Files are read through
 * {@link EvalFiles} (the evaluation's own, bounded in size), streamed through the digest.
 */
public final class CompareFileHash implements Metric {
    @Override
    public String name() {
        return "compare_file_hash";
    }

    @Override
    public double score(JsonNode actual, JsonNode expected, JsonNode options, EvalFiles files) throws IOException {
        if (PyValues.isNone(actual) || actual.asText().isEmpty()) {
            return 0;
        }
        String algorithm = options.path("algorithm").asText("sha256").toUpperCase(Locale.ROOT).replace("SHA", "SHA-").replace("--", "-");
        if (algorithm.equals("MD5") || algorithm.equals("SHA-1") || algorithm.equals("SHA-256") || algorithm.equals("SHA-512")) {
            String want;
            if (expected != null && expected.isObject() && expected.path("expected").isTextual()) {
                want = expected.path("expected").asText().strip().toLowerCase(Locale.ROOT);
            } else if (expected != null && expected.isTextual()) {
                want = digest(files, expected.asText(), algorithm);
            } else {
                throw new IllegalArgumentException("compare_file_hash needs an expected file or a rule {\"expected\": \"<hex digest>\"}");
            }
            return digest(files, actual.asText(), algorithm).equals(want) ? 1 : 0;
        }
        throw new IllegalArgumentException("compare_file_hash option algorithm must be md5, sha1, sha256 or sha512");
    }

    private static String digest(EvalFiles files, String file, String algorithm) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = files.open(file)) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
