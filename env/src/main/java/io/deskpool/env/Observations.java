package io.deskpool.env;

import io.deskpool.core.spi.ScreenSize;

import java.util.Optional;

/** Takes a session's observation from its VM; the screenshot's size becomes the screen parsers map points to. */
final class Observations {
    private Observations() {
    }

    /** Called with the session's lock held and a VM attached. */
    static Observation take(EnvSession s, Deadline d, boolean a11y) {
        byte[] png = s.guest.screenshot(d);
        Screenshot shot;
        try {
            shot = Screenshot.ofPng(png);
        } catch (IllegalArgumentException e) {
            throw GuestException.refused("GET /screenshot (" + e.getMessage() + ")", 200, "");
        }
        s.screen = new ScreenSize(shot.width(), shot.height());
        return new Observation(shot, a11y ? Optional.of(s.guest.accessibilityTree(d)) : Optional.empty());
    }
}
