package io.deskpool.env.action;

/**
 * A place on the VM's screen in pixels, rounded to 3 decimals as the reference rounds it; the guest and pyautogui
 * take fractional pixels.
 */
record ScreenPoint(double x, double y) {
    /** {@code x} as Python code, e.g. {@code 496.894} or {@code 960.0}. */
    String xLiteral() {
        return PythonFloat.repr(x);
    }

    /** {@code y} as Python code. */
    String yLiteral() {
        return PythonFloat.repr(y);
    }
}
