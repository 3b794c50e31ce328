package io.deskpool.env.action;

/**
 * Python string literals: reading the body of one as Python does (escape sequences), and writing text as Python's
 * {@code repr} does, which the test guest's lexer reads back unchanged.
 */
final class PythonStringLiteral {
    private PythonStringLiteral() {
    }

    /**
     * The text a literal's body stands for. Escapes are Python's ({@code \n}, {@code \'}, {@code \x41},
     * {@code \u00e9}, {@code \N{BULLET}}, octal; unknown ones stay as written). Quotes in the body are taken as
     * they are, which is how the UI-TARS reference reads {@code type(content='it's')}.
     *
     * @param raw an {@code r'...'} literal: backslashes are kept
     * @throws ParseFailure for a truncated or invalid escape, or a lone backslash at the end
     */
    static String decode(String body, boolean raw) throws ParseFailure {
        if (raw) {
            return body;
        }
        StringBuilder out = new StringBuilder(body.length());
        int i = 0;
        while (i < body.length()) {
            char c = body.charAt(i++);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (i == body.length()) {
                throw new ParseFailure("a string ends with a lone backslash");
            }
            char e = body.charAt(i++);
            switch (e) {
                case '\n' -> { } // a backslash-newline continues the line
                case '\\', '\'', '"' -> out.append(e);
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int end = i - 1;
                    while (end < body.length() && end < i + 2 && body.charAt(end) >= '0' && body.charAt(end) <= '7') {
                        end++;
                    }
                    out.appendCodePoint(Integer.parseInt(body.substring(i - 1, end), 8));
                    i = end;
                }
                case 'x' -> i = appendHex(body, i, 2, out);
                case 'u' -> i = appendHex(body, i, 4, out);
                case 'U' -> i = appendHex(body, i, 8, out);
                case 'N' -> i = appendNamed(body, i, out);
                default -> out.append('\\').append(e);
            }
        }
        return out.toString();
    }

    private static int appendHex(String body, int start, int digits, StringBuilder out) throws ParseFailure {
        int end = start + digits;
        if (end > body.length()) {
            throw new ParseFailure("a string has a truncated \\x, \\u or \\U escape");
        }
        int codePoint = 0;
        for (int i = start; i < end; i++) {
            int d = Character.digit(body.charAt(i), 16);
            if (d < 0) {
                throw new ParseFailure("a string has a truncated \\x, \\u or \\U escape");
            }
            codePoint = codePoint * 16 + d;
            if (codePoint > Character.MAX_CODE_POINT) {
                throw new ParseFailure("a string has an escape past U+10FFFF");
            }
        }
        out.appendCodePoint(codePoint);
        return end;
    }

    private static int appendNamed(String body, int start, StringBuilder out) throws ParseFailure {
        int close = body.indexOf('}', start);
        if (start >= body.length() || body.charAt(start) != '{' || close < 0) {
            throw new ParseFailure("a string has a malformed \\N{...} escape");
        }
        try {
            out.appendCodePoint(Character.codePointOf(body.substring(start + 1, close)));
        } catch (IllegalArgumentException unknownName) {
            throw new ParseFailure("a string names an unknown character in \\N{...}");
        }
        return close + 1;
    }

    /**
     * Text to type or a key name, checked: no NUL and no half of a surrogate pair. No keyboard types those, and the
     * test guest's Python reader refuses their escapes ({@code \x00}, {@code \ud800}), so they end as unparsed
     * output rather than as code that fails in the VM.
     *
     * @param what what the text is, for the message, e.g. {@code type() content}
     * @return {@code text}
     */
    static String requireTypable(String text, String what) throws ParseFailure {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pairedHigh = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (c == 0 || (Character.isSurrogate(c) && !pairedHigh)) {
                throw new ParseFailure(what + " has a character no keyboard types: U+" + String.format("%04X", (int) c));
            }
            if (pairedHigh) {
                i++;
            }
        }
        return text;
    }

    /**
     * Python's {@code repr(text)}: single quotes unless the text has a single quote and no double quote; backslash,
     * the quote, tab, newline and carriage return escaped; other unprintable characters as {@code \xhh},
     * {@code \\uhhhh} or {@code \Uhhhhhhhh}.
     */
    static String repr(String text) {
        char quote = text.indexOf('\'') >= 0 && text.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder(text.length() + 2).append(quote);
        text.codePoints().forEach(c -> {
            if (c == quote || c == '\\') {
                out.append('\\').appendCodePoint(c);
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c < ' ' || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
            } else if (c < 0x7f || isPrintable(c)) {
                out.appendCodePoint(c);
            } else if (c <= 0xff) {
                out.append(String.format("\\x%02x", c));
            } else if (c <= 0xffff) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.append(String.format("\\U%08x", c));
            }
        });
        return out.append(quote).toString();
    }

    /** Python's {@code str.isprintable} for one character: not a control, format, private, unassigned or separator. */
    private static boolean isPrintable(int c) {
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }
}
