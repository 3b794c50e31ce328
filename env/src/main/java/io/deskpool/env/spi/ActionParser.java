package io.deskpool.env.spi;

/**
 * Turns a model's raw output into actions for the VM; found with ServiceLoader, chosen by ENV_ACTION_PARSER.
 * Register an implementation in {@code META-INF/services/io.deskpool.env.spi.ActionParser}. Implementations are
 * stateless and thread-safe: many sessions parse at once.
 */
public interface ActionParser {
    /** The name ENV_ACTION_PARSER selects: uitars, pyautogui, computer_13. */
    String name();

    /** Never throws for bad model output: a prediction with no parsable action is a ParsedPrediction with actions empty and error set. */
    ParsedPrediction parse(String prediction, ParseContext context);
}
