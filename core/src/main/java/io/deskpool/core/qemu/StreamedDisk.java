package io.deskpool.core.qemu;

import java.time.Duration;
import java.util.Map;

/**
 * Sends the VM's disk writes inside the state stream (QEMU block migration, incremental: only what the top images
 * hold, not their backing files). For drives whose files the copies cannot share, such as a container's
 * {@code -snapshot} overlays: each copy starts on the same backing images with fresh overlays and receives the
 * writes with the memory. Block migration is deprecated in newer QEMU (present in 7.2 and 8.x).
 */
public record StreamedDisk() implements DiskHandoff {
    @Override
    public void beforeSave(QmpClient qmp, Duration timeout) {
    }

    @Override
    public Map<String, Boolean> saveCapabilities() {
        return Map.of("block", true);
    }

    @Override
    public Map<String, Object> saveParameters() {
        return Map.of("block-incremental", true);
    }
}
