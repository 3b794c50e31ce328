package io.deskpool.core.testing;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.concurrent.Callable;

/** Pixel comparison of a live screen (VNC, a browser canvas) with a screenshot. */
public final class ScreenMatch {
    private ScreenMatch() {
    }

    /** How many pixels differ in RGB; a size mismatch counts every pixel of the larger image. */
    public static long differingPixels(BufferedImage actual, BufferedImage expected) {
        if (actual.getWidth() != expected.getWidth() || actual.getHeight() != expected.getHeight()) {
            return (long) Math.max(actual.getWidth(), expected.getWidth()) * Math.max(actual.getHeight(), expected.getHeight());
        }
        long differing = 0;
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                if ((actual.getRGB(x, y) & 0xFFFFFF) != (expected.getRGB(x, y) & 0xFFFFFF)) {
                    differing++;
                }
            }
        }
        return differing;
    }

    /**
     * Captures until the capture equals {@code expected} or {@code within} passed (a screen follows the desktop
     * asynchronously); returns the differing pixels of the last capture, 0 when one matched.
     */
    public static long eventually(Callable<BufferedImage> capture, BufferedImage expected, Duration within)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            long differing = differingPixels(capture.call(), expected);
            if (differing == 0 || System.nanoTime() > deadline) {
                return differing;
            }
            Thread.sleep(200);
        }
    }
}
