package io.deskpool.provider.qemu;

import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.testing.ProviderContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The provider contract on real QEMU guests. Its backend is this host's QEMU: "gone" is a QEMU binary that was
 * there when the provider was built and is not any more (an upgrade or an uninstall under a running server).
 */
class QemuProviderContractTest extends ProviderContract {
    @TempDir
    static Path tmp;

    @Override
    protected Provider createProvider(String ownerId) {
        return TestProviders.create(ownerId, tmp.resolve("state"));
    }

    @Override
    protected Provider createProviderWithBackendGone(String ownerId) throws Exception {
        Path qemu = tmp.resolve("bin").resolve("qemu-system-x86_64");
        Files.createDirectories(qemu.getParent());
        Files.writeString(qemu, "#!/bin/sh\nexec qemu-system-x86_64 \"$@\"\n");
        Files.setPosixFilePermissions(qemu, PosixFilePermissions.fromString("rwxr-xr-x"));
        Provider provider = TestProviders.create(ownerId, tmp.resolve("state-gone"), java.time.Clock.systemUTC(),
                Map.of("QEMU_BINARY", qemu.toString(), "QEMU_ACCEL", "tcg"));
        Files.delete(qemu);
        return provider;
    }

    @Override
    protected void killBehindTheProvidersBack(VmHandle vm) throws Exception {
        long pid = Long.parseLong(Files.readString(Path.of(vm.backendId())).strip());
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    }
}
