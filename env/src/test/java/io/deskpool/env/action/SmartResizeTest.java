package io.deskpool.env.action;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sizes as the reference's smart_resize(height, width) gives them (checked against it in Python). */
class SmartResizeTest {
    @ParameterizedTest(name = "{0}x{1} -> {2}x{3}")
    @CsvSource({
            "1920, 1080, 1932, 1092",   // sides rounded to multiples of 28
            "1280,  720, 1288,  728",
            "1366,  768, 1372,  756",
            "2560, 1440, 2548, 1428",
            "3840, 2160, 3836, 2156",   // under 16384*28*28 pixels: only rounded
            "5120, 2880, 4760, 2688",   // over it: scaled down, sides floored to multiples of 28
            " 200,  100,  420,  224",   // under 100*28*28 pixels: scaled up, sides ceiled
            "  28,   28,  280,  280",
            "   1,  150,   28, 3444",   // a side never rounds below 28
    })
    void resizes_as_qwen25vl_does(int width, int height, int resizedWidth, int resizedHeight) {
        assertThat(SmartResize.of(width, height)).isEqualTo(new SmartResize(resizedWidth, resizedHeight));
    }

    @Test
    void an_aspect_ratio_past_200_is_refused_as_the_reference_refuses_it() {
        assertThatThrownBy(() -> SmartResize.of(201, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("aspect ratio");
    }

    @Test
    void an_empty_screen_is_refused() {
        assertThatThrownBy(() -> SmartResize.of(0, 1080)).isInstanceOf(IllegalArgumentException.class);
    }
}
