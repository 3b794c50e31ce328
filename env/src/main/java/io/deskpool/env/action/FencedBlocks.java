package io.deskpool.env.action;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ```...```} code blocks of a model's output, found as OSWorld's agents find them (the regex
 * {@code ```(?:\w+\s+)?(.*?)```}): a word right after the opening fence followed by white space is the block's
 * language ({@code ```python}), and a block runs to the next fence. A fence that is never closed opens no block.
 */
final class FencedBlocks {
    private static final String FENCE = "```";

    private FencedBlocks() {
    }

    /** One block: {@code language} is {@code ""} when none is given; {@code body} is stripped. */
    record Block(String language, String body) {
    }

    static List<Block> find(String text) {
        List<Block> blocks = new ArrayList<>();
        int from = 0;
        while (true) {
            int open = text.indexOf(FENCE, from);
            if (open < 0) {
                return blocks;
            }
            int wordStart = open + FENCE.length();
            int wordEnd = wordStart;
            while (wordEnd < text.length() && isWordChar(text.charAt(wordEnd))) {
                wordEnd++;
            }
            boolean tagged = wordEnd > wordStart && wordEnd < text.length() && Character.isWhitespace(text.charAt(wordEnd));
            int bodyStart = tagged ? wordEnd : wordStart;
            int close = text.indexOf(FENCE, bodyStart);
            if (close < 0) {
                return blocks;
            }
            String language = tagged ? text.substring(wordStart, wordEnd) : "";
            blocks.add(new Block(language, text.substring(bodyStart, close).strip()));
            from = close + FENCE.length();
        }
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
