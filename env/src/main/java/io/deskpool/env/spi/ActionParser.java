package io.deskpool.env.spi;

/**
 * Turns a model's raw output into actions for the VM; found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.deskpool.env.spi.ActionParser}), chosen by {@code ENV_ACTION_PARSER}. Implementations
 * must be stateless and thread-safe: sessions step in parallel.
 */
public interface ActionParser {
    /** The name {@code ENV_ACTION_PARSER} selects: {@code uitars}, {@code pyautogui}, {@code computer_13}. */
    String name();

    /**
     * Never throws for bad model output: a prediction with no parsable action is a {@link ParsedPrediction} with
     * {@code actions} empty and {@code error} set.
     */
    ParsedPrediction parse(String prediction, ParseContext context);
}
