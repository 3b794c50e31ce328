package io.deskpool.server.env;

import com.fasterxml.jackson.databind.JsonNode;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What ARPO's client does with {@code obs_messages}: {@code wire_to_messages} (an image's {@code b64} becomes
 * {@code data:image/jpeg;base64,...}; a missing min_pixels/max_pixels falls back to 3136/129024), then
 * {@code process_message}: {@code load_content} needs "text" or "image" in every item, and
 * {@code process_vision_info} decodes each image and smart-resizes it within its pixel bounds. Here each of those
 * steps is an assertion, plus what the trainer relies on: the images are JPEG and keep the bounds the server set.
 */
final class WireMessages {
    static final int MIN_PIXELS = 3136;
    static final int MAX_PIXELS = 2116800;

    /** A decoded message: role, and per item its text or its image. */
    record Message(String role, List<Object> content) {
        String text() {
            return (String) content.get(0);
        }

        BufferedImage image() {
            return (BufferedImage) content.get(0);
        }

        boolean isImage() {
            return content.get(0) instanceof BufferedImage;
        }
    }

    private WireMessages() {
    }

    /** {@code wire_to_messages} followed by {@code process_message}'s reading, for {@code messages}. */
    static List<Message> process(JsonNode wire) {
        assertThat(wire.isArray()).as("obs_messages is a list").isTrue();
        List<Message> out = new ArrayList<>();
        for (JsonNode m : wire) {
            assertThat(m.path("role").asText()).as("role").isIn("system", "user", "assistant");
            assertThat(m.path("content").isArray()).as("content is a list").isTrue();
            List<Object> content = new ArrayList<>();
            for (JsonNode c : m.path("content")) {
                String type = c.path("type").asText();
                if (type.equals("image")) {
                    content.add(image(c));
                } else {
                    assertThat(c.has("text")).as("load_content needs 'text' in %s", c).isTrue();
                    content.add(c.path("text").asText());
                }
            }
            out.add(new Message(m.path("role").asText(), content));
        }
        return out;
    }

    private static BufferedImage image(JsonNode c) {
        assertThat(c.has("b64")).as("an image item carries b64").isTrue();
        // Without them the client would use 3136/129024 and train on other image sizes than the server meant.
        assertThat(c.path("min_pixels").asInt(-1)).isEqualTo(MIN_PIXELS);
        assertThat(c.path("max_pixels").asInt(-1)).isEqualTo(MAX_PIXELS);
        byte[] bytes = Base64.getDecoder().decode(c.path("b64").asText());
        assertThat(bytes.length).isGreaterThan(2);
        assertThat(bytes[0]).as("JPEG SOI").isEqualTo((byte) 0xFF);
        assertThat(bytes[1]).as("JPEG SOI").isEqualTo((byte) 0xD8);
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new AssertionError("the screenshot does not decode", e);
        }
        assertThat(img).as("the screenshot decodes").isNotNull();
        int[] hw = smartResize(img.getHeight(), img.getWidth(), MIN_PIXELS, MAX_PIXELS);
        assertThat((long) hw[0] * hw[1]).isBetween((long) MIN_PIXELS, (long) MAX_PIXELS);
        return img;
    }

    /** qwen_vl_utils' smart_resize (factor 28): fails as it does on an aspect ratio over 200. */
    static int[] smartResize(int height, int width, int minPixels, int maxPixels) {
        if ((double) Math.max(height, width) / Math.min(height, width) > 200) {
            throw new AssertionError("absolute aspect ratio must be smaller than 200");
        }
        int f = 28;
        int h = Math.max(f, (int) Math.round((double) height / f) * f);
        int w = Math.max(f, (int) Math.round((double) width / f) * f);
        if ((long) h * w > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            h = (int) Math.floor(height / beta / f) * f;
            w = (int) Math.floor(width / beta / f) * f;
        } else if ((long) h * w < minPixels) {
            double beta = Math.sqrt((double) minPixels / ((double) height * width));
            h = (int) Math.ceil(height * beta / f) * f;
            w = (int) Math.ceil(width * beta / f) * f;
        }
        return new int[]{h, w};
    }
}
