package io.deskpool.server.chaos;

import java.util.Locale;

/** What the chaos run breaks. */
enum FaultKind {
    /** kill -9 of the QEMU (or container) of a leased VM: its lease must be told it is lost. */
    KILL_LEASED,
    /** kill -9 of a warm spare's QEMU: it must never be handed out. */
    KILL_WARM,
    /** kill -9 while the VM reverts to its clean snapshot. */
    KILL_REVERTING,
    /** kill -9 while the VM boots. */
    KILL_BOOTING,
    /** SIGSTOP (docker pause) of a warm or leased VM for a while, then SIGCONT. */
    FREEZE,
    /** The Docker engine stops and starts again (docker provider). */
    DOCKER_RESTART,
    /** kill -9 of the server, then a fresh start on the same state directory. */
    SERVER_KILL,
    /** The state directory's file system fills up for a while. */
    DISK_FULL;

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
