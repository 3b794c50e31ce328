package io.deskpool.core.qemu;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * How a VM's disk state reaches the VMs started from its saved state: by a frozen image file they boot over
 * ({@link FrozenOverlay}), or inside the state stream itself ({@link StreamedDisk}).
 */
public interface DiskHandoff {
    /** Runs with the VM's CPUs stopped, right before its state is saved. */
    void beforeSave(QmpClient qmp, Duration timeout) throws IOException;

    /** Migration capabilities the saving QEMU needs for this handoff (switched off again afterwards). */
    default Map<String, Boolean> saveCapabilities() {
        return Map.of();
    }

    /** Migration parameters the saving QEMU needs for this handoff. */
    default Map<String, Object> saveParameters() {
        return Map.of();
    }
}
