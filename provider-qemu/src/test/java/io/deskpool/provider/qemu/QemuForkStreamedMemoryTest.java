package io.deskpool.provider.qemu;

import java.util.Map;

/** {@link QemuForkTest} with anonymous guest memory, which the fork's state stream carries page by page. */
class QemuForkStreamedMemoryTest extends QemuForkTest {
    @Override
    Map<String, String> settings() {
        return Map.of("QEMU_MEMORY_DIR", "none");
    }
}
