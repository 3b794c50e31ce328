package io.deskpool.env.action;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.regex.Pattern;

/**
 * Python's {@code round(x, n)} and {@code repr(x)} for floats, so coordinates read exactly as the reference
 * implementations write them into code ({@code 496.894}, {@code 960.0}).
 */
final class PythonFloat {
    /** The decimal forms of a number the parsers accept from a model ({@code 12}, {@code -3.5}, {@code .5}, {@code 1e3}). */
    static final Pattern DECIMAL = Pattern.compile("[+-]?+(?:\\d++(?:\\.\\d*+)?+|\\.\\d++)(?:[eE][+-]?+\\d++)?+");

    private PythonFloat() {
    }

    /**
     * Python's {@code round(value, digits)}: the exact binary value rounded half-even to {@code digits} decimals,
     * back to the nearest double; a negative value that rounds to zero stays {@code -0.0}.
     */
    static double round(double value, int digits) {
        requireFinite(value);
        double rounded = new BigDecimal(value).setScale(digits, RoundingMode.HALF_EVEN).doubleValue();
        return rounded == 0 && (value < 0 || 1 / value < 0) ? -0.0 : rounded;
    }

    /**
     * Python's {@code repr(value)}: the shortest decimal that reads back as the same double, in fixed notation
     * with at least one decimal ({@code 12.0}) for exponents -4 to 15, else like {@code 1e+16} or {@code 2.5e-05}.
     */
    static String repr(double value) {
        requireFinite(value);
        if (value == 0) {
            return 1 / value < 0 ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(value);
        BigDecimal shortest = exact;
        for (int digits = 1; digits <= 17; digits++) {
            BigDecimal candidate = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (candidate.doubleValue() == value) {
                shortest = candidate;
                break;
            }
        }
        shortest = shortest.stripTrailingZeros();
        int exponent = shortest.precision() - shortest.scale() - 1;
        if (exponent >= -4 && exponent < 16) {
            String plain = shortest.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = shortest.unscaledValue().abs().toString();
        StringBuilder s = new StringBuilder();
        if (shortest.signum() < 0) {
            s.append('-');
        }
        s.append(digits.charAt(0));
        if (digits.length() > 1) {
            s.append('.').append(digits, 1, digits.length());
        }
        s.append('e').append(exponent < 0 ? '-' : '+');
        int magnitude = Math.abs(exponent);
        s.append(magnitude < 10 ? "0" : "").append(magnitude);
        return s.toString();
    }

    private static void requireFinite(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("not a finite number: " + value);
        }
    }
}
