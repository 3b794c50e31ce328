package io.deskpool.core.spi;

/**
 * Label (tag) keys Deskpool puts on every VM it launches, so that a restarted server finds its own VMs and a
 * person can tell whose VM it is.
 */
public final class VmLabels {
    /** The server id that owns the VM. */
    public static final String OWNER = "deskpool.owner";
    /** Deskpool's VM id. */
    public static final String VM_ID = "deskpool.vm-id";
    /**
     * The label of the token whose request caused the launch, if any: the keyed {@code tok-<8 hex>} the server shows
     * everywhere in place of a token (labels and tags are readable by whoever lists containers or instances), never
     * the token itself. Nothing reads it back: leases kept across a restart are matched by VM id.
     */
    public static final String TOKEN = "deskpool.token";
    /** The VM id of the VM this one was forked from, on copies made by {@link Provider#fork}. */
    public static final String FORKED_FROM = "deskpool.forked-from";
    /** When the VM may be destroyed by a sweeper, ISO-8601 instant. */
    public static final String EXPIRES_AT = "deskpool.expires-at";

    private VmLabels() {
    }
}
