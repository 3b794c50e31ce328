package io.deskpool.env.action;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What a model's coordinates are measured in ({@code ENV_COORDINATES}). */
public enum CoordinateSystem {
    /** Pixels of the screenshot as Qwen2.5-VL's {@link SmartResize} resized it (UI-TARS-1.5, ARPO's setting). */
    QWEN25VL("qwen25vl"),
    /** Per mille of the screen's width and height, 0 to 1000 (UI-TARS on Qwen2-VL). */
    RELATIVE1000("relative1000");

    private final String settingValue;

    CoordinateSystem(String settingValue) {
        this.settingValue = settingValue;
    }

    /** The value {@code ENV_COORDINATES} takes for this system. */
    public String settingValue() {
        return settingValue;
    }

    /** @throws IllegalArgumentException naming the accepted values when {@code value} is none of them */
    public static CoordinateSystem fromSetting(String value) {
        for (CoordinateSystem system : values()) {
            if (system.settingValue.equals(value)) {
                return system;
            }
        }
        throw new IllegalArgumentException("ENV_COORDINATES must be one of "
                + Arrays.stream(values()).map(CoordinateSystem::settingValue).collect(Collectors.joining(", "))
                + ", got '" + value + "'");
    }
}
