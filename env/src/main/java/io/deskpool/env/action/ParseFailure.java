package io.deskpool.env.action;

/**
 * Why a prediction could not be parsed; the parsers turn it into {@link io.deskpool.env.spi.ParsedPrediction}'s
 * {@code error} at their boundary, so bad model output never escapes as an exception.
 */
final class ParseFailure extends Exception {
    private static final int EXCERPT_CHARS = 60;

    ParseFailure(String message) {
        super(message, null, false, false); // an expected outcome, not a bug: no stack trace
    }

    /** Model text for an error message: quoted, cut to a readable length, one line. */
    static String excerpt(String text) {
        String oneLine = text.replace("\n", "\\n").replace("\r", "\\r");
        return "'" + (oneLine.length() <= EXCERPT_CHARS ? oneLine : oneLine.substring(0, EXCERPT_CHARS) + "...") + "'";
    }
}
