package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.spi.Metric;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * OSWorld's {@code compare_text_file(actual, expected, ignore_blanks=False, ignore_case=False)}: two files
 * (local paths from {@code vm_file} / {@code cloud_file}) with the same text; 0 when the actual file is missing.
 */
public final class CompareTextFile implements Metric {
    @Override
    public String name() {
        return "compare_text_file";
    }

    @Override
    public double score(JsonNode actual, JsonNode expected, JsonNode options) throws IOException {
        if (PyValues.isNone(actual) || actual.asText().isEmpty()) {
            return 0;
        }
        if (expected == null || !expected.isTextual()) {
            throw new IllegalArgumentException("compare_text_file needs an expected file (a vm_file or cloud_file getter)");
        }
        String a = Files.readString(Path.of(actual.asText()), StandardCharsets.UTF_8);
        String b = Files.readString(Path.of(expected.asText()), StandardCharsets.UTF_8);
        if (options.path("ignore_blanks").asBoolean(false)) {
            a = blanks(a);
            b = blanks(b);
        }
        if (options.path("ignore_case").asBoolean(false)) {
            a = a.toLowerCase(Locale.ROOT);
            b = b.toLowerCase(Locale.ROOT);
        }
        return a.equals(b) ? 1 : 0;
    }

    /** As OSWorld: tabs and newlines become spaces, the ends are stripped, runs of blanks become one. */
    private static String blanks(String s) {
        return s.replaceAll("[\\t\\n]", " ").strip().replaceAll("\\s+", " ");
    }
}
