package io.deskpool.env.action;

import io.deskpool.env.spi.GuestAction;

import java.util.Optional;

/** OSWorld's special actions written as a word: {@code WAIT}, {@code DONE}, {@code FAIL}. */
final class SpecialAction {
    private SpecialAction() {
    }

    /** The action {@code text} names, ignoring surrounding white space and trailing {@code ;}. */
    static Optional<GuestAction> of(String text) {
        String word = text.strip();
        while (word.endsWith(";")) {
            word = word.substring(0, word.length() - 1).strip();
        }
        return switch (word) {
            case "WAIT" -> Optional.of(new GuestAction.Wait());
            case "DONE" -> Optional.of(new GuestAction.Done());
            case "FAIL" -> Optional.of(new GuestAction.Fail());
            default -> Optional.empty();
        };
    }
}
