package io.deskpool.env.action;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One action of a UI-TARS output as written, e.g. {@code click(start_box='(100,200)')}: the function name and its
 * keyword arguments, all quoted strings as the grammar has them.
 *
 * <p>Read as the reference reads it: keyword arguments only (positional ones are ignored), empty values count as
 * absent, values lose leading whitespace, a missing final {@code )} is supplied. {@code type} and {@code finished}
 * take their {@code content} from the opening quote to the last quote before the closing {@code )}, so quotes
 * inside need no escaping ({@code type(content='it's')}); Python escapes in it ({@code \n}, {@code \'}) are
 * decoded.
 *
 * <p>Where this reads more than the reference: newlines between arguments, raw newlines inside {@code content}
 * (the reference turns those into garbage text), double-quoted {@code content}.
 *
 * @param function  the function name, e.g. {@code click} (for {@code a.click(...)}, {@code click})
 * @param arguments keyword argument values, in order
 */
record UiTarsCall(String function, Map<String, String> arguments) {
    private static final Set<String> FREE_TEXT_FUNCTIONS = Set.of("type", "finished");

    UiTarsCall {
        Objects.requireNonNull(function, "function");
        arguments = Collections.unmodifiableMap(new LinkedHashMap<>(arguments));
    }

    /** The first of the named arguments that is present. */
    Optional<String> argument(String... names) {
        for (String name : names) {
            String value = arguments.get(name);
            if (value != null) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    /** @throws ParseFailure when {@code segment} is not one call of the grammar's form */
    static UiTarsCall parse(String segment) throws ParseFailure {
        String s = segment.strip();
        if (!s.endsWith(")")) {
            s = s + ")";
        }
        int nameEnd = 0;
        while (nameEnd < s.length() && isNameChar(s.charAt(nameEnd))) {
            nameEnd++;
        }
        String dotted = s.substring(0, nameEnd);
        String function = dotted.substring(dotted.lastIndexOf('.') + 1);
        int open = skipSpace(s, nameEnd);
        if (function.isEmpty() || !Character.isJavaIdentifierStart(function.charAt(0)) || open >= s.length()
                || s.charAt(open) != '(') {
            throw new ParseFailure("expected an action call such as click(start_box='(x,y)'), got "
                    + ParseFailure.excerpt(segment.strip()));
        }
        if (FREE_TEXT_FUNCTIONS.contains(function)) {
            Optional<String> content = freeTextContent(s, open + 1);
            if (content.isPresent()) {
                Map<String, String> arguments = new LinkedHashMap<>();
                put(arguments, "content", content.get());
                return new UiTarsCall(function, arguments);
            }
        }
        return new UiTarsCall(function, keywordArguments(s, open + 1, function));
    }

    /** {@code content='...')} read loosely, as the reference does for {@code type} and {@code finished}. */
    private static Optional<String> freeTextContent(String s, int start) throws ParseFailure {
        int i = skipSpace(s, start);
        if (!s.startsWith("content", i)) {
            return Optional.empty();
        }
        i = skipSpace(s, i + "content".length());
        if (i >= s.length() || s.charAt(i) != '=') {
            return Optional.empty();
        }
        i = skipSpace(s, i + 1);
        if (i >= s.length() || (s.charAt(i) != '\'' && s.charAt(i) != '"')) {
            return Optional.empty();
        }
        char quote = s.charAt(i);
        int bodyStart = i + 1;
        String head = s.substring(0, s.length() - 1).stripTrailing(); // s ends with ')'
        int close = head.length() - 1;
        if (close < bodyStart || head.charAt(close) != quote) {
            return Optional.empty();
        }
        return Optional.of(PythonStringLiteral.decode(s.substring(bodyStart, close), false));
    }

    private static Map<String, String> keywordArguments(String s, int start, String function) throws ParseFailure {
        Map<String, String> arguments = new LinkedHashMap<>();
        Set<String> keywords = new HashSet<>();
        int i = start;
        boolean sawKeyword = false;
        while (true) {
            i = skipSpace(s, i);
            if (i < s.length() && s.charAt(i) == ')') {
                i++;
                break;
            }
            int nameEnd = i;
            while (nameEnd < s.length() && isNameChar(s.charAt(nameEnd)) && s.charAt(nameEnd) != '.') {
                nameEnd++;
            }
            int afterName = skipSpace(s, nameEnd);
            String keyword = null;
            if (nameEnd > i && afterName < s.length() && s.charAt(afterName) == '='
                    && !s.startsWith("==", afterName)) {
                keyword = s.substring(i, nameEnd);
                i = skipSpace(s, afterName + 1);
                sawKeyword = true;
            } else if (sawKeyword) {
                throw new ParseFailure(function + "(): a positional argument follows a keyword argument");
            }
            StringLiteral literal = StringLiteral.read(s, i, function, keyword);
            i = literal.end();
            if (keyword != null) {
                if (!keywords.add(keyword)) {
                    throw new ParseFailure(function + "(): argument '" + keyword + "' is repeated");
                }
                put(arguments, keyword, literal.value());
            }
            i = skipSpace(s, i);
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            } else if (i >= s.length() || s.charAt(i) != ')') {
                throw new ParseFailure(function + "(): expected ',' or ')' after an argument, got "
                        + ParseFailure.excerpt(s.substring(Math.min(i, s.length()))));
            }
        }
        if (skipSpace(s, i) < s.length()) {
            throw new ParseFailure("unexpected text after " + function + "(...): " + ParseFailure.excerpt(s.substring(i).strip()));
        }
        return arguments;
    }

    /** Empty values count as absent and values lose leading whitespace, as in the reference. */
    private static void put(Map<String, String> arguments, String name, String value) {
        if (!value.isEmpty()) {
            arguments.put(name, value.stripLeading());
        }
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.';
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** One quoted Python string in an argument list: its value and where it ends. */
    private record StringLiteral(String value, int end) {
        static StringLiteral read(String s, int start, String function, String keyword) throws ParseFailure {
            int i = start;
            boolean raw = false;
            if (i < s.length() && "rRuU".indexOf(s.charAt(i)) >= 0 && i + 1 < s.length()
                    && (s.charAt(i + 1) == '\'' || s.charAt(i + 1) == '"')) {
                raw = Character.toLowerCase(s.charAt(i)) == 'r';
                i++;
            }
            if (i >= s.length() || (s.charAt(i) != '\'' && s.charAt(i) != '"')) {
                String what = keyword == null ? "arguments" : "argument '" + keyword + "'";
                throw new ParseFailure(function + "(): " + what + " must be quoted strings, got "
                        + ParseFailure.excerpt(s.substring(Math.min(start, s.length()))));
            }
            char quote = s.charAt(i);
            String delimiter = s.startsWith(String.valueOf(quote).repeat(3), i) ? String.valueOf(quote).repeat(3)
                    : String.valueOf(quote);
            int bodyStart = i + delimiter.length();
            int j = bodyStart;
            while (j < s.length() && !s.startsWith(delimiter, j)) {
                j += s.charAt(j) == '\\' ? 2 : 1;
            }
            if (j >= s.length()) {
                throw new ParseFailure(function + "(): a string is not closed: " + ParseFailure.excerpt(s.substring(start)));
            }
            String value = PythonStringLiteral.decode(s.substring(bodyStart, j), raw);
            return new StringLiteral(value, j + delimiter.length());
        }
    }
}
