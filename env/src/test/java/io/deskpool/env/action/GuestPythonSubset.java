package io.deskpool.env.action;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Python the test guest runs through {@code /execute} (guest/agent/pyscript.c and pyautogui.c), as a checker:
 * statements of calls to the pyautogui functions the guest emulates (and {@code time.sleep}), at most 16 literal
 * arguments each (numbers up to 63 characters, strings whose escapes the guest decodes, True/False/None, lists and
 * tuples), positional before keyword. The parsers' tests hold their output to it.
 */
final class GuestPythonSubset {
    static final Set<String> FUNCTIONS = Set.of("pyautogui.click", "pyautogui.leftClick", "pyautogui.doubleClick",
            "pyautogui.tripleClick", "pyautogui.rightClick", "pyautogui.middleClick", "pyautogui.moveTo",
            "pyautogui.moveRel", "pyautogui.move", "pyautogui.mouseDown", "pyautogui.mouseUp", "pyautogui.dragTo",
            "pyautogui.dragRel", "pyautogui.drag", "pyautogui.scroll", "pyautogui.vscroll", "pyautogui.hscroll",
            "pyautogui.write", "pyautogui.typewrite", "pyautogui.press", "pyautogui.hotkey", "pyautogui.keyDown",
            "pyautogui.keyUp", "time.sleep", "pyautogui.sleep");
    private static final int MAX_ARGS = 16;
    private static final int MAX_NUMBER_CHARS = 63;

    private final String code;
    private int pos;
    private final List<String> problems = new ArrayList<>();

    private GuestPythonSubset(String code) {
        this.code = code;
    }

    /** What the guest would refuse in {@code code}; empty when it runs every statement. */
    static List<String> problems(String code) {
        GuestPythonSubset checker = new GuestPythonSubset(code);
        try {
            checker.statements();
        } catch (IllegalStateException e) {
            checker.problems.add(e.getMessage() + " at " + checker.pos);
        }
        return checker.problems;
    }

    private void statements() {
        while (true) {
            skipBlank(true);
            if (pos >= code.length()) {
                return;
            }
            String name = dottedName();
            skipBlank(false);
            if (!FUNCTIONS.contains(name)) {
                problems.add("the guest has no " + name);
            }
            expect('(');
            arguments();
            skipBlank(false);
            if (pos < code.length() && code.charAt(pos) != '\n' && code.charAt(pos) != ';') {
                throw new IllegalStateException("text after a call");
            }
            pos++;
        }
    }

    private void arguments() {
        int count = 0;
        boolean keywordSeen = false;
        while (true) {
            skipBlank(true);
            if (peek() == ')') {
                pos++;
                break;
            }
            if (++count > MAX_ARGS) {
                throw new IllegalStateException("more than " + MAX_ARGS + " arguments");
            }
            int start = pos;
            if (Character.isLetter(peek()) || peek() == '_') {
                String word = dottedName();
                skipBlank(true);
                if (peek() == '=') {
                    pos++;
                    keywordSeen = true;
                } else {
                    pos = start;
                    if (keywordSeen) {
                        throw new IllegalStateException("positional argument after keyword");
                    }
                }
                if (word.isEmpty()) {
                    throw new IllegalStateException("bad argument");
                }
            } else if (keywordSeen) {
                throw new IllegalStateException("positional argument after keyword");
            }
            value(0);
            skipBlank(true);
            if (peek() == ',') {
                pos++;
            } else if (peek() != ')') {
                throw new IllegalStateException("expected , or )");
            }
        }
    }

    private void value(int depth) {
        if (depth > 8) {
            throw new IllegalStateException("nested too deeply");
        }
        skipBlank(true);
        char c = peek();
        if (c == '-' || c == '+') {
            pos++;
            skipBlank(true);
            number();
        } else if (Character.isDigit(c) || (c == '.' && pos + 1 < code.length() && Character.isDigit(code.charAt(pos + 1)))) {
            number();
        } else if (c == '\'' || c == '"') {
            while (peek() == '\'' || peek() == '"') {
                string();
                skipBlank(true);
            }
        } else if (c == '[' || c == '(') {
            char close = c == '[' ? ']' : ')';
            pos++;
            while (true) {
                skipBlank(true);
                if (peek() == close) {
                    pos++;
                    return;
                }
                value(depth + 1);
                skipBlank(true);
                if (peek() == ',') {
                    pos++;
                } else if (peek() != close) {
                    throw new IllegalStateException("bad list");
                }
            }
        } else {
            String word = dottedName();
            if (!Set.of("True", "False", "None").contains(word)) {
                throw new IllegalStateException("not a literal: " + word);
            }
        }
    }

    private void number() {
        int start = pos;
        while (pos < code.length()) {
            char c = code.charAt(pos);
            boolean exponentSign = (c == '+' || c == '-') && pos > start
                    && (code.charAt(pos - 1) == 'e' || code.charAt(pos - 1) == 'E');
            if (Character.isDigit(c) || c == '.' || c == '_' || ((c == 'e' || c == 'E') && pos > start) || exponentSign) {
                pos++;
            } else {
                break;
            }
        }
        if (pos == start || pos - start > MAX_NUMBER_CHARS) {
            throw new IllegalStateException("bad number literal");
        }
        try {
            Double.parseDouble(code.substring(start, pos).replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("invalid decimal literal");
        }
    }

    private void string() {
        char quote = code.charAt(pos);
        boolean triple = code.startsWith(String.valueOf(quote).repeat(3), pos);
        pos += triple ? 3 : 1;
        while (true) {
            if (pos >= code.length()) {
                throw new IllegalStateException("unterminated string");
            }
            char c = code.charAt(pos);
            if (c == '\n' && !triple) {
                throw new IllegalStateException("newline in a string");
            }
            if (c == quote && (!triple || code.startsWith(String.valueOf(quote).repeat(3), pos))) {
                pos += triple ? 3 : 1;
                return;
            }
            if (c == '\\') {
                escape();
            } else {
                pos++;
            }
        }
    }

    private void escape() {
        pos++;
        if (pos >= code.length()) {
            throw new IllegalStateException("unterminated string");
        }
        char e = code.charAt(pos++);
        int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
        if (digits == 0) {
            return;
        }
        if (pos + digits > code.length()) {
            throw new IllegalStateException("truncated escape");
        }
        long cp = Long.parseLong(code.substring(pos, pos + digits), 16);
        if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            throw new IllegalStateException("escape the guest refuses: \\" + e + code.substring(pos, pos + digits));
        }
        pos += digits;
    }

    private String dottedName() {
        int start = pos;
        while (pos < code.length() && (Character.isLetterOrDigit(code.charAt(pos)) || code.charAt(pos) == '_'
                || code.charAt(pos) == '.')) {
            pos++;
        }
        if (pos == start) {
            throw new IllegalStateException("expected a name");
        }
        return code.substring(start, pos);
    }

    private void expect(char c) {
        if (peek() != c) {
            throw new IllegalStateException("expected " + c);
        }
        pos++;
    }

    private char peek() {
        return pos < code.length() ? code.charAt(pos) : '\0';
    }

    /** Skips spaces (and newlines inside brackets, when {@code newlines}). */
    private void skipBlank(boolean newlines) {
        while (pos < code.length() && (code.charAt(pos) == ' ' || code.charAt(pos) == '\t'
                || (newlines && code.charAt(pos) == '\n'))) {
            pos++;
        }
    }
}
