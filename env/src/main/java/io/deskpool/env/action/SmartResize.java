package io.deskpool.env.action;

/**
 * The size Qwen2.5-VL's image processor ({@code smart_resize}) gives a screenshot: both sides multiples of
 * {@value #FACTOR}, the pixel count within [{@code 100*28*28}, {@code 16384*28*28}], the aspect ratio kept as
 * closely as possible. UI-TARS-1.5 on Qwen2.5-VL answers in pixels of this resized image.
 *
 * <p>The arithmetic is the reference's, operation for operation (Python's {@code round} is half-even, as
 * {@link Math#rint}), so the sizes agree to the pixel.
 *
 * @param width  the resized width in pixels
 * @param height the resized height in pixels
 */
public record SmartResize(int width, int height) {
    public static final int FACTOR = 28;
    public static final long MIN_PIXELS = 100L * 28 * 28;
    public static final long MAX_PIXELS = 16384L * 28 * 28;
    public static final double MAX_RATIO = 200;

    /** The resized size of a {@code width} x {@code height} screenshot with the default factor and pixel bounds. */
    public static SmartResize of(int width, int height) {
        return of(width, height, FACTOR, MIN_PIXELS, MAX_PIXELS);
    }

    /**
     * @throws IllegalArgumentException for a non-positive size or a side more than {@value #MAX_RATIO} times the
     *                                  other (the reference raises too)
     */
    public static SmartResize of(int width, int height, int factor, long minPixels, long maxPixels) {
        if (width <= 0 || height <= 0 || factor <= 0) {
            throw new IllegalArgumentException("sizes must be positive, got " + width + "x" + height + " factor " + factor);
        }
        double ratio = (double) Math.max(height, width) / Math.min(height, width);
        if (ratio > MAX_RATIO) {
            throw new IllegalArgumentException("absolute aspect ratio must be smaller than " + MAX_RATIO + ", got " + ratio);
        }
        long pixels = (long) width * height;
        long h = Math.max(factor, roundByFactor(height, factor));
        long w = Math.max(factor, roundByFactor(width, factor));
        if (h * w > maxPixels) {
            double beta = Math.sqrt((double) pixels / maxPixels);
            h = floorByFactor(height / beta, factor);
            w = floorByFactor(width / beta, factor);
        } else if (h * w < minPixels) {
            double beta = Math.sqrt((double) minPixels / pixels);
            h = ceilByFactor(height * beta, factor);
            w = ceilByFactor(width * beta, factor);
        }
        return new SmartResize(Math.toIntExact(w), Math.toIntExact(h));
    }

    private static long roundByFactor(int number, int factor) {
        return (long) Math.rint((double) number / factor) * factor;
    }

    private static long floorByFactor(double number, int factor) {
        return (long) Math.floor(number / factor) * factor;
    }

    private static long ceilByFactor(double number, int factor) {
        return (long) Math.ceil(number / factor) * factor;
    }
}
