package io.deskpool.env.action;

import java.util.regex.Pattern;

/**
 * A point or box as a model writes it in a UI-TARS action, in the model's coordinates: {@code (x,y)},
 * {@code <|box_start|>(x,y)<|box_end|>}, {@code (x1,y1,x2,y2)}, {@code [x1,y1,x2,y2]}, {@code <point>x y</point>}
 * or {@code <bbox>x1 y1 x2 y2</bbox>}. A point is the box from it to itself, so its centre is the point.
 */
record Box(double x1, double y1, double x2, double y2) {
    /** Larger than any screen in any coordinate system: past it a number is garbage, not a place. */
    static final double MAX_ABS_COORDINATE = 1_000_000;
    private static final Pattern COMMA = Pattern.compile(",");
    private static final Pattern SPACES = Pattern.compile("\\s++");

    /**
     * Reads a box as the reference does: tags and brackets dropped, numbers split at commas (or spaces, for the
     * {@code <point>} form).
     *
     * @throws ParseFailure unless there are exactly 2 or 4 numbers, each finite and within
     *                      {@value #MAX_ABS_COORDINATE}
     */
    static Box parse(String text) throws ParseFailure {
        String bare = text.replace("<|box_start|>", "").replace("<|box_end|>", "")
                .replace("<point>", "").replace("</point>", "").replace("<bbox>", "").replace("</bbox>", "")
                .replace("(", "").replace(")", "").replace("[", "").replace("]", "").strip();
        String[] parts = bare.isEmpty() ? new String[0] : (bare.indexOf(',') >= 0 ? COMMA : SPACES).split(bare, -1);
        if (parts.length != 2 && parts.length != 4) {
            throw new ParseFailure("a box needs 2 numbers (x,y) or 4 (x1,y1,x2,y2), got " + ParseFailure.excerpt(text));
        }
        double[] n = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].strip();
            if (!PythonFloat.DECIMAL.matcher(parts[i]).matches()) {
                throw new ParseFailure("a box coordinate is not a number: " + ParseFailure.excerpt(parts[i])
                        + " in " + ParseFailure.excerpt(text));
            }
            n[i] = Double.parseDouble(parts[i]);
            if (!(Math.abs(n[i]) <= MAX_ABS_COORDINATE)) {
                throw new ParseFailure("a box coordinate is out of range: " + ParseFailure.excerpt(parts[i]));
            }
        }
        return n.length == 2 ? new Box(n[0], n[1], n[0], n[1]) : new Box(n[0], n[1], n[2], n[3]);
    }
}
