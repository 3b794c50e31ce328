package io.deskpool.provider.qemu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what a test needs from an MP4 with one video track: the sample codec, the samples (frames) and the
 * duration. ISO base media boxes only (ftyp, mdat, moov/trak/mdia/minf/stbl with stsd, stts, stsz, stco).
 */
record Mp4Frames(String codec, List<byte[]> frames, long durationMillis) {

    int frameCount() {
        return frames.size();
    }

    byte[] lastFrame() {
        return frames.get(frames.size() - 1);
    }

    static Mp4Frames parse(ByteBuffer file) throws IOException {
        if (!"ftyp".equals(typeAt(file, 4))) {
            throw new IOException("not an MP4: no ftyp box first");
        }
        ByteBuffer stbl = path(file, "moov", "trak", "mdia", "minf", "stbl");
        ByteBuffer mdhd = path(file, "moov", "trak", "mdia", "mdhd");
        long timescale = Integer.toUnsignedLong(mdhd.getInt(12));
        long duration = Integer.toUnsignedLong(mdhd.getInt(16));
        ByteBuffer stsd = child(stbl, "stsd");
        String codec = typeAt(stsd, 12);
        ByteBuffer stsz = child(stbl, "stsz");
        ByteBuffer stco = child(stbl, "stco");
        int count = stsz.getInt(8);
        if (stsz.getInt(4) != 0 || stco.getInt(4) != count) {
            throw new IOException("expected one sample per chunk with sizes listed");
        }
        var frames = new ArrayList<byte[]>();
        for (int i = 0; i < count; i++) {
            int size = stsz.getInt(12 + 4 * i);
            int offset = stco.getInt(8 + 4 * i);
            byte[] frame = new byte[size];
            file.get(offset, frame);
            frames.add(frame);
        }
        return new Mp4Frames(codec, frames, duration * 1000 / timescale);
    }

    private static ByteBuffer path(ByteBuffer in, String... types) throws IOException {
        ByteBuffer current = in;
        for (String type : types) {
            current = child(current, type);
        }
        return current;
    }

    /** The contents of the first child box of that type (after its 8-byte header). */
    private static ByteBuffer child(ByteBuffer parent, String type) throws IOException {
        int pos = 0;
        while (pos + 8 <= parent.limit()) {
            int size = parent.getInt(pos);
            if (size < 8 || pos + size > parent.limit()) {
                throw new IOException("bad box size " + size + " at " + pos);
            }
            if (type.equals(typeAt(parent, pos + 4))) {
                return parent.slice(pos + 8, size - 8);
            }
            pos += size;
        }
        throw new IOException("no " + type + " box");
    }

    private static String typeAt(ByteBuffer b, int at) {
        byte[] t = new byte[4];
        b.get(at, t);
        return new String(t, StandardCharsets.US_ASCII);
    }
}
