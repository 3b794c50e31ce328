package io.deskpool.env;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScreenshotsTest {
    private static byte[] png(int w, int h, int type) throws IOException {
        BufferedImage img = new BufferedImage(w, h, type);
        var g = img.createGraphics();
        g.setColor(new Color(30, 120, 200, 255));
        g.fillRect(0, 0, w, h);
        g.setColor(Color.WHITE);
        g.fillRect(w / 4, h / 4, w / 2, h / 2);
        g.dispose();
        var out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Test
    void a_screenshot_knows_its_size_from_the_png_header() throws IOException {
        Screenshot s = Screenshot.ofPng(png(1280, 720, BufferedImage.TYPE_INT_RGB));

        assertThat(s.width()).isEqualTo(1280);
        assertThat(s.height()).isEqualTo(720);
    }

    @Test
    void bytes_that_are_not_a_png_are_refused() {
        assertThatThrownBy(() -> Screenshot.ofPng("GIF89a and more bytes here!!".getBytes()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_png_becomes_a_jpeg_of_the_same_size() throws IOException {
        byte[] jpeg = new JpegEncoder(90).encode(png(1920, 1080, BufferedImage.TYPE_INT_RGB));
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(jpeg));

        assertThat(jpeg[0]).isEqualTo((byte) 0xFF);
        assertThat(jpeg[1]).isEqualTo((byte) 0xD8);
        assertThat(back.getWidth()).isEqualTo(1920);
        assertThat(back.getHeight()).isEqualTo(1080);
        assertThat(new Color(back.getRGB(960, 540)).getRed()).isGreaterThan(240);
    }

    @Test
    void a_png_with_alpha_is_flattened_rather_than_refused() throws IOException {
        byte[] jpeg = new JpegEncoder(75).encode(png(64, 48, BufferedImage.TYPE_INT_ARGB));

        assertThat(ImageIO.read(new ByteArrayInputStream(jpeg)).getWidth()).isEqualTo(64);
    }
}
