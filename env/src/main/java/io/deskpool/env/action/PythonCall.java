package io.deskpool.env.action;

import java.util.ArrayList;
import java.util.List;

/**
 * One Python call statement with literal arguments, e.g. {@code pyautogui.click(10.0, 20.0, button='left')}: the
 * only statement form the parsers emit, and the form the test guest's pyautogui emulator reads (literal numbers
 * and strings, positional then keyword arguments; no variables or expressions).
 */
final class PythonCall {
    /** The most arguments the test guest's Python reader takes in one call; more than any key chord needs. */
    static final int MAX_ARGUMENTS = 16;

    private final String function;
    private final List<String> arguments = new ArrayList<>();

    private PythonCall(String function) {
        this.function = function;
    }

    /** A call of {@code function}, a dotted name such as {@code pyautogui.click}. */
    static PythonCall of(String function) {
        return new PythonCall(function);
    }

    /** Adds a positional argument already written as Python code (a number literal). */
    PythonCall literal(String code) {
        arguments.add(code);
        return this;
    }

    /** Adds a positional string argument. */
    PythonCall string(String text) {
        return literal(PythonStringLiteral.repr(text));
    }

    /** Adds {@code name=code}, the value already written as Python code. */
    PythonCall keyword(String name, String code) {
        arguments.add(name + "=" + code);
        return this;
    }

    /** Adds {@code name='text'}. */
    PythonCall keywordString(String name, String text) {
        return keyword(name, PythonStringLiteral.repr(text));
    }

    /** Statements one per line, as one piece of code. */
    static String lines(PythonCall... statements) {
        StringBuilder code = new StringBuilder();
        for (PythonCall statement : statements) {
            code.append(code.length() == 0 ? "" : "\n").append(statement.code());
        }
        return code.toString();
    }

    String code() {
        return function + "(" + String.join(", ", arguments) + ")";
    }

    @Override
    public String toString() {
        return code();
    }
}
