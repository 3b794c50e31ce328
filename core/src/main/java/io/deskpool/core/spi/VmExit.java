package io.deskpool.core.spi;

import static java.util.Objects.requireNonNull;

/**
 * A VM's process or container ended without {@link Provider#destroy} or {@link Provider#revert} ending it
 * (killed, crashed, its engine went down). {@code backendId} names the process or container that ended, so a
 * report that arrives after the VM was recreated under the same id can be told apart from one about the VM as it
 * is now.
 */
public record VmExit(String vmId, String backendId, String detail) {
    public VmExit {
        requireNonNull(vmId, "vmId is null");
        requireNonNull(backendId, "backendId is null");
        requireNonNull(detail, "detail is null");
    }
}
