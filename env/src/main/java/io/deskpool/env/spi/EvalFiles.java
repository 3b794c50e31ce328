package io.deskpool.env.spi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The files of one evaluation: those its getters fetched into its own directory ({@link EvalContext#workDir()}).
 * A metric opens the files its values name only through here. A host path ({@code /etc/shadow}), a {@code ../}
 * path, a link out of the directory, a device ({@code /dev/zero}), a pipe, or a file larger than the server's
 * limit (ENV_DOWNLOAD_MAX_MB) is refused with {@link Refused}, alike whether or not such a file exists on the host:
 * values come from the task and from the untrusted VM, and must not read, or probe, the host's files.
 */
public interface EvalFiles {
    /**
     * Opens the regular file {@code path} names: absolute (as getters give it) or relative to the directory.
     *
     * @throws Refused when it is not a file of this evaluation
     */
    InputStream open(String path) throws IOException;

    /** The file's bytes, if it holds at most {@code maxBytes}; else {@link Refused}. */
    default byte[] readAllBytes(String path, long maxBytes) throws IOException {
        try (InputStream in = open(path)) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (b.length > maxBytes) {
                throw new Refused("'" + Refused.shown(path) + "' holds more than " + maxBytes + " bytes, more than this metric reads");
            }
            return b;
        }
    }

    /** The file as UTF-8 text, if it holds at most {@code maxBytes}; else {@link Refused}. */
    default String readString(String path, long maxBytes) throws IOException {
        return new String(readAllBytes(path, maxBytes), StandardCharsets.UTF_8);
    }

    /** A file a metric may not read; the message never says whether a host file of that name exists. */
    final class Refused extends IOException {
        public Refused(String message) {
            super(message);
        }

        /** A path as error messages show it: at most 200 characters, control characters replaced. */
        public static String shown(String path) {
            String s = path == null ? "" : path.replaceAll("\\p{Cntrl}", "?");
            return s.length() > 200 ? s.substring(0, 200) + "..." : s;
        }
    }
}
