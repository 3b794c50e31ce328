package io.deskpool.env.spi;

import java.nio.file.Path;

/** What a getter may use during one evaluation. */
public interface EvalContext {
    /** The session's VM. */
    GuestAccess guest();

    /** A directory private to this evaluation for fetched files; deleted when the evaluation ends. */
    Path workDir();

    /**
     * Downloads an http(s) URL on the host into {@link #workDir()} under {@code fileName} and returns the file.
     * Downloads are cached by URL across evaluations and resets.
     */
    Path download(String url, String fileName);
}
