package io.deskpool.env.eval;

import io.deskpool.env.spi.EvalFiles;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * {@link EvalFiles} over one evaluation's directory. A path is first judged by its text alone (absolute, or
 * relative to the directory, then normalised): one outside the directory is refused without the host's file system
 * being looked at, so nothing tells a caller whether a host file exists. One inside must resolve, links followed,
 * to a regular file still inside, of at most {@code maxBytes}; it is opened without following links, and reading
 * stops at {@code maxBytes} should it grow meanwhile.
 */
public final class EvaluationFiles implements EvalFiles {
    private final Path given;
    private final Path real;
    private final long maxBytes;

    public EvaluationFiles(Path dir, long maxBytes) throws IOException {
        this.given = dir.toAbsolutePath().normalize();
        this.real = dir.toRealPath();
        this.maxBytes = maxBytes;
    }

    @Override
    public InputStream open(String path) throws IOException {
        Path file = resolve(path);
        InputStream in;
        try {
            in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw refused(path);
        }
        return new Bounded(in, maxBytes, path);
    }

    private Path resolve(String path) throws Refused {
        if (path == null || path.isEmpty() || path.indexOf('\0') >= 0) {
            throw refused(path);
        }
        Path p;
        try {
            p = Path.of(path);
        } catch (InvalidPathException e) {
            throw refused(path);
        }
        Path full = (p.isAbsolute() ? p : real.resolve(p)).normalize();
        boolean inside = full.startsWith(given) && !full.equals(given) || full.startsWith(real) && !full.equals(real);
        if (!inside) {
            throw refused(path);
        }
        Path resolved;
        BasicFileAttributes attributes;
        try {
            resolved = full.toRealPath();
            attributes = Files.readAttributes(resolved, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw refused(path);
        }
        if (!resolved.startsWith(real) || !attributes.isRegularFile()) {
            throw refused(path);
        }
        if (attributes.size() > maxBytes) {
            throw tooLarge(path, maxBytes);
        }
        return resolved;
    }

    private static Refused refused(String path) {
        return new Refused("'" + Refused.shown(path) + "' is not a file this evaluation fetched: metrics read only "
                + "the files its getters (vm_file, cloud_file) put in the evaluation's own directory");
    }

    private static Refused tooLarge(String path, long maxBytes) {
        return new Refused("'" + Refused.shown(path) + "' is larger than ENV_DOWNLOAD_MAX_MB ("
                + maxBytes / (1024 * 1024) + " MB)");
    }

    /** Refuses to read past {@code max} bytes, for a file that grew after it was checked. */
    private static final class Bounded extends FilterInputStream {
        private final long max;
        private final String path;
        private long read;

        Bounded(InputStream in, long max, String path) {
            super(in);
            this.max = max;
            this.path = path;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0 && ++read > max) {
                throw tooLarge(path, max);
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0 && (read += n) > max) {
                throw tooLarge(path, max);
            }
            return n;
        }
    }
}
