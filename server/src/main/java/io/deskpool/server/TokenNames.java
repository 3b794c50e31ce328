package io.deskpool.server;

import java.util.Optional;

/**
 * What a client token may look like: 1 to 256 visible characters. Spaces around it, control characters and
 * invisible ones (right-to-left marks, zero-width spaces) make a token nobody can type or send back in a header,
 * so they are refused where a token is created. The token itself is never echoed: it is a secret.
 */
final class TokenNames {
    static final int MAX_LENGTH = 256;

    private TokenNames() {
    }

    /** Why {@code name} cannot be a token, or empty when it can. */
    static Optional<String> problem(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("a token must not be empty");
        }
        if (name.length() > MAX_LENGTH) {
            return Optional.of("a token must be at most " + MAX_LENGTH + " characters, got " + name.length());
        }
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            if (!visible(cp)) {
                return Optional.of(String.format("a token must be visible characters only, without spaces: character %d is U+%04X",
                        name.codePointCount(0, i) + 1, cp));
            }
            i += Character.charCount(cp);
        }
        return Optional.empty();
    }

    private static boolean visible(int cp) {
        if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || Character.isISOControl(cp)) {
            return false;
        }
        return switch (Character.getType(cp)) {
            case Character.FORMAT, Character.UNASSIGNED, Character.SURROGATE, Character.PRIVATE_USE,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }
}
