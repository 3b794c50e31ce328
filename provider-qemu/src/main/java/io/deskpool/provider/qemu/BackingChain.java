package io.deskpool.provider.qemu;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files a qcow2 overlay reads through: its backing file, that one's backing file, and so on, read from the
 * images' headers (the backing file name is a string at the offset and of the length the header gives at bytes 8
 * and 16). Tells which frozen overlays a VM still needs.
 */
final class BackingChain {
    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};
    /** Deeper chains than this mean a loop or a damaged header, not a real chain. */
    private static final int MAX_DEPTH = 64;

    private BackingChain() {
    }

    /** The backing files of {@code image}, nearest first (absolute, normalised); empty for a base image. */
    static List<Path> of(Path image) throws IOException {
        var chain = new ArrayList<Path>();
        Path current = image;
        while (chain.size() < MAX_DEPTH) {
            Optional<Path> backing = backingFile(current);
            if (backing.isEmpty()) {
                return chain;
            }
            chain.add(backing.get());
            if (!Files.isRegularFile(backing.get())) {
                return chain;
            }
            current = backing.get();
        }
        throw new IOException("the backing chain of " + image + " is deeper than " + MAX_DEPTH);
    }

    /** The backing file named in a qcow2 header, relative names resolved against the image's directory. */
    static Optional<Path> backingFile(Path image) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            if (f.length() < 20) {
                return Optional.empty();
            }
            byte[] magic = new byte[4];
            f.readFully(magic);
            if (!java.util.Arrays.equals(magic, QCOW2_MAGIC)) {
                return Optional.empty();
            }
            f.seek(8);
            long offset = f.readLong();
            int size = f.readInt();
            if (offset == 0 || size <= 0 || size > 4096 || offset + size > f.length()) {
                return Optional.empty();
            }
            byte[] name = new byte[size];
            f.seek(offset);
            f.readFully(name);
            Path path = Path.of(new String(name, StandardCharsets.UTF_8));
            return Optional.of((path.isAbsolute() ? path : image.toAbsolutePath().getParent().resolve(path))
                    .normalize());
        }
    }
}
