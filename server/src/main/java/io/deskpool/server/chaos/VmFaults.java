package io.deskpool.server.chaos;

import java.util.List;

/** How the chaos run reaches one provider's VMs from outside the server: as an operator or a crash would. */
interface VmFaults {
    /** kill -9 of the VM's QEMU or container; false when it is not running (any more). */
    boolean kill(String vmId);

    /** Stops the VM dead (SIGSTOP, docker pause) without ending it; false when it is not running. */
    boolean freeze(String vmId);

    /** Lets a frozen VM run again, if it still exists. */
    void thaw(String vmId);

    /** What of the server's VMs still runs (QEMU processes, containers), for the check after the final stop. */
    List<String> leftovers();
}
