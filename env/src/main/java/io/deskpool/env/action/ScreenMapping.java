package io.deskpool.env.action;

import io.deskpool.env.spi.ParseContext;

/**
 * Maps a model's boxes to the VM's real screen, as the UI-TARS reference does: each number is first made a
 * fraction of the model's frame (the {@link SmartResize}d screenshot for {@code qwen25vl}, 1000 for
 * {@code relative1000}), the box's centre is taken, scaled to the screen and rounded to 3 decimals.
 *
 * <p>The reference scales to a fixed 1920x1080; here the frame and the scale come from the VM's own screen size,
 * so any resolution maps right.
 */
final class ScreenMapping {
    private final int screenWidth;
    private final int screenHeight;
    private final double frameWidth;
    private final double frameHeight;

    private ScreenMapping(int screenWidth, int screenHeight, double frameWidth, double frameHeight) {
        this.screenWidth = screenWidth;
        this.screenHeight = screenHeight;
        this.frameWidth = frameWidth;
        this.frameHeight = frameHeight;
    }

    /**
     * @throws IllegalArgumentException for an unknown {@code coordinates} value or a screen whose aspect ratio
     *                                  smart_resize refuses: settings errors, not model errors
     */
    static ScreenMapping of(ParseContext context) {
        return switch (CoordinateSystem.fromSetting(context.coordinates())) {
            case QWEN25VL -> {
                SmartResize frame = SmartResize.of(context.screenWidth(), context.screenHeight());
                yield new ScreenMapping(context.screenWidth(), context.screenHeight(), frame.width(), frame.height());
            }
            case RELATIVE1000 -> new ScreenMapping(context.screenWidth(), context.screenHeight(), 1000, 1000);
        };
    }

    ScreenPoint centreOf(Box box) {
        double x = (box.x1() / frameWidth + box.x2() / frameWidth) / 2;
        double y = (box.y1() / frameHeight + box.y2() / frameHeight) / 2;
        return new ScreenPoint(PythonFloat.round(x * screenWidth, 3), PythonFloat.round(y * screenHeight, 3));
    }
}
