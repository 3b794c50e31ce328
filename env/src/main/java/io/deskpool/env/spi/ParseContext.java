package io.deskpool.env.spi;

import static java.util.Objects.requireNonNull;

/** screenWidth/screenHeight: the VM's real screen in pixels; coordinates: ENV_COORDINATES ("qwen25vl" or "relative1000"). */
public record ParseContext(int screenWidth, int screenHeight, String coordinates) {
    public ParseContext {
        requireNonNull(coordinates, "coordinates is null");
        if (screenWidth <= 0 || screenHeight <= 0) {
            throw new IllegalArgumentException("screen size must be positive, got " + screenWidth + "x" + screenHeight);
        }
    }
}
