package io.deskpool.env.action;

import io.deskpool.env.spi.GuestAction;

import java.util.Optional;

/** OSWorld's special actions written as a word: {@code WAIT}, {@code DONE}, {@code FAIL}. */
final class SpecialAction {
    private SpecialAction() {
    }

    /** The action {@code text} names, ignoring surrounding white space and trailing {@code ;}. */
    static Optional<GuestAction> of(String text) {
        return switch (withoutTrailingSemicolons(text)) {
            case "WAIT" -> Optional.of(new GuestAction.Wait());
            case "DONE" -> Optional.of(new GuestAction.Done());
            case "FAIL" -> Optional.of(new GuestAction.Fail());
            default -> Optional.empty();
        };
    }

    /** {@code text} stripped of white space and of {@code ;} at its end. */
    static String withoutTrailingSemicolons(String text) {
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == ';' || Character.isWhitespace(text.charAt(end - 1)))) {
            end--;
        }
        return text.substring(0, end).strip();
    }
}
