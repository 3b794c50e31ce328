package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.Metric;

import java.io.IOException;
import java.util.Locale;

/**
 * OSWorld's {@code compare_text_file(actual, expected, ignore_blanks=False, ignore_case=False)}: two files
 * (local paths from {@code vm_file} / {@code cloud_file}) with the same text; 0 when the actual file is missing.
 * Each file is read whole through {@link EvalFiles}, so at most {@value #MAX_BYTES} bytes of it.
 */
public final class CompareTextFile implements Metric {
    /** Text files of tasks are small; anything larger is refused rather than held in memory twice. */
    static final long MAX_BYTES = 64L * 1024 * 1024;

    @Override
    public String name() {
        return "compare_text_file";
    }

    @Override
    public double score(JsonNode actual, JsonNode expected, JsonNode options, EvalFiles files) throws IOException {
        if (PyValues.isNone(actual) || actual.asText().isEmpty()) {
            return 0;
        }
        if (expected == null || !expected.isTextual()) {
            throw new IllegalArgumentException("compare_text_file needs an expected file (a vm_file or cloud_file getter)");
        }
        String a = files.readString(actual.asText(), MAX_BYTES);
        String b = files.readString(expected.asText(), MAX_BYTES);
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
