package io.deskpool.env;

import io.deskpool.env.spi.EvalContext;
import io.deskpool.env.spi.GuestAccess;

import java.nio.file.Path;

/** An evaluation context for tests without a VM or downloads: only a working directory; anything else fails. */
record OfflineEvalContext(Path workDir) implements EvalContext {
    @Override
    public GuestAccess guest() {
        throw new AssertionError("no VM in this test");
    }

    @Override
    public Path download(String url, String fileName) {
        throw new AssertionError("no downloads in this test");
    }
}
