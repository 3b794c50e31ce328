package io.deskpool.core.spi;

/** How a revert got the VM back to its clean state. */
public enum RevertPath {
    /** A saved VM snapshot was loaded in place (seconds or less). */
    SNAPSHOT,
    /**
     * The VM's process was replaced by one started from a saved clean state (a second or so, no boot); its
     * endpoints may change.
     */
    RESTORED,
    /** The root volume was replaced from the launch image, keeping the instance (EC2). */
    ROOT_VOLUME_REPLACED,
    /** The VM was destroyed and booted again from a fresh disk (the slow fallback). */
    RECREATED
}
