package io.deskpool.env.spi;

import java.util.Objects;

/**
 * What a parser needs to know of the VM.
 *
 * @param screenWidth  the VM's real screen width in pixels
 * @param screenHeight the VM's real screen height in pixels
 * @param coordinates  {@code ENV_COORDINATES}: {@code qwen25vl} (absolute on the smart-resized screenshot) or
 *                     {@code relative1000} (per mille of the screen)
 */
public record ParseContext(int screenWidth, int screenHeight, String coordinates) {
    public ParseContext {
        Objects.requireNonNull(coordinates, "coordinates");
        if (screenWidth <= 0 || screenHeight <= 0) {
            throw new IllegalArgumentException("screen size must be positive, got " + screenWidth + "x" + screenHeight);
        }
    }
}
