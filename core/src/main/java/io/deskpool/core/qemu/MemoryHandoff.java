package io.deskpool.core.qemu;

import java.io.IOException;
import java.util.Map;

/**
 * How a VM's memory reaches the VMs started from its saved state: inside the state stream (every page is written
 * and read again, {@link #STREAMED}), or as a file the copies map copy-on-write ({@link MemoryTemplate}), which
 * leaves the stream with only the device state.
 */
public interface MemoryHandoff {
    /** The memory travels in the state stream. */
    MemoryHandoff STREAMED = new MemoryHandoff() {
    };

    /** Migration capabilities the saving and the loading QEMU both need (switched off again on the saving side). */
    default Map<String, Boolean> capabilities() {
        return Map.of();
    }

    /** Runs once the state is saved, with the VM's CPUs still stopped (its memory still as saved). */
    default void afterSave() throws IOException {
    }
}
