package io.deskpool.env;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The test external evaluator (a shell script in the test resources), copied out so it runs from a jar too. */
public final class ExternalEvaluatorScript {
    private ExternalEvaluatorScript() {
    }

    /** Writes the script into {@code dir} and returns its path. */
    public static Path copyTo(Path dir) {
        try (InputStream in = ExternalEvaluatorScript.class.getResourceAsStream("external-evaluator.sh")) {
            if (in == null) {
                throw new IllegalStateException("external-evaluator.sh is not on the test class path");
            }
            Path script = dir.resolve("external-evaluator.sh");
            Files.createDirectories(dir);
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
