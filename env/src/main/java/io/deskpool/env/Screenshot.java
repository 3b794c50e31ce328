package io.deskpool.env;

import static java.util.Objects.requireNonNull;

/** A screenshot as the VM's in-VM server sent it: PNG bytes and the size its header declares. */
public record Screenshot(byte[] png, int width, int height) {
    public Screenshot {
        requireNonNull(png, "png is null");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("screenshot size must be positive, got " + width + "x" + height);
        }
    }

    /** Reads the size from the PNG's IHDR chunk (the first chunk, right after the 8-byte signature). */
    static Screenshot ofPng(byte[] png) {
        if (png.length < 24 || png[0] != (byte) 0x89 || png[1] != 'P' || png[2] != 'N' || png[3] != 'G'
                || png[12] != 'I' || png[13] != 'H' || png[14] != 'D' || png[15] != 'R') {
            throw new IllegalArgumentException("not a PNG with an IHDR header");
        }
        return new Screenshot(png, readInt(png, 16), readInt(png, 20));
    }

    private static int readInt(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }
}
