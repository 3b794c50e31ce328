package io.deskpool.env.spi;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The in-VM server (OSWorld's port 5000) of the session being evaluated, as getters see it. Calls share the
 * evaluation's deadline; a VM that stops answering fails the evaluation as a lost VM.
 */
public interface GuestAccess {
    /** {@code POST /execute}: runs a command (a JSON array of words, or a string with {@code shell}). */
    CommandOutput execute(JsonNode command, boolean shell);

    /** {@code POST /file}: the file's bytes, or empty when the VM has no such file. */
    Optional<byte[]> file(String path);

    /** {@code GET /terminal}: the terminal's recent output. */
    String terminalOutput();

    /** {@code GET /accessibility}: the accessibility tree as XML. */
    String accessibilityTree();

    /** What {@code /execute} reported. */
    record CommandOutput(String output, String error, int returncode) {
        public CommandOutput {
            requireNonNull(output, "output is null");
            requireNonNull(error, "error is null");
        }
    }
}
