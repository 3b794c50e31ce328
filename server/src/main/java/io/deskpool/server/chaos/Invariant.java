package io.deskpool.server.chaos;

import java.util.Locale;

/** What must hold the whole time; each violation is counted. */
enum Invariant {
    /** Two clients held one VM at once: a client saw another's marker while its own lease was confirmed on both sides. */
    SHARED_VM,
    /** A hand-out carried an earlier client's marker. */
    DIRTY_HANDOUT,
    /** A token held more confirmed leases at once than its limit. */
    TOKEN_OVER_LIMIT,
    /** A lease on a VM that died was not told so within HEALTH_INTERVAL + 5 s. */
    LOST_LEASE_NOT_TOLD,
    /** /status did not answer within 1 s while the server was not restarting. */
    STATUS_SLOW,
    /** A VM process or container of the server was left after the final graceful stop. */
    LEFTOVER_VMS;

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
