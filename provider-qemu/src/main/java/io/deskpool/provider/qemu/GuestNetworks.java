package io.deskpool.provider.qemu;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Picks the {@link GuestNetwork} of each VM: the one its record names (a VM keeps the network it was started
 * with, whatever the settings say after a restart), or the configured one for a VM without a record.
 */
final class GuestNetworks {
    private static final Logger log = LoggerFactory.getLogger(GuestNetworks.class);

    private final QemuConfig config;
    private final Optional<IsolatedGuestNetwork.Tools> isolationTools;

    GuestNetworks(QemuConfig config, Optional<IsolatedGuestNetwork.Tools> isolationTools) {
        this.config = requireNonNull(config, "config is null");
        this.isolationTools = requireNonNull(isolationTools, "isolationTools is null");
    }

    /**
     * The network of the VM with {@code record} (null: the configured network).
     *
     * @throws DeskpoolException PROVIDER_UNAVAILABLE for an isolated network on a host without its programs
     */
    GuestNetwork of(VmRecord record) {
        String name = record == null ? config.guestNetwork() : record.network();
        String bind = record == null ? config.bindAddress().getHostAddress() : record.bindAddress();
        boolean restrict = record == null ? config.restrictNetwork() : record.restrictNetwork();
        if (HostGuestNetwork.NAME.equals(name)) {
            return new HostGuestNetwork(bind, restrict);
        }
        IsolatedGuestNetwork.Tools tools = isolationTools.orElseThrow(() -> new DeskpoolException(
                ErrorCode.PROVIDER_UNAVAILABLE, "An isolated guest network needs unshare, iptables-restore and "
                + "slirp4netns (apt-get install slirp4netns iptables)"));
        return new IsolatedGuestNetwork(tools, bind, restrict,
                () -> IsolatedGuestNetwork.firewallForThisHost(config.allowedInternal()));
    }

    /** Stops what runs beside a VM's QEMU for its network; never throws (it runs on cleanup paths). */
    void detachQuietly(VmDirectory dir, VmRecord record) {
        try {
            of(record).detach(dir);
        } catch (RuntimeException e) {
            log.warn("VM {}: could not stop its network helper: {}", dir.vmId(), e.toString());
        }
    }

    /**
     * Whether a VM found after a restart has its network. What runs beside QEMU is started again when it is gone
     * (on the VM's own ports); false when that fails.
     */
    boolean reattach(VmDirectory dir, VmRecord record, long qemuPid) {
        GuestNetwork network;
        try {
            network = of(record);
        } catch (DeskpoolException e) {
            log.warn("VM {} from an earlier run: {}", dir.vmId(), e.getMessage());
            return false;
        }
        if (network.attached(dir)) {
            return true;
        }
        try {
            network.attach(dir, qemuPid, record.ports(), record.vnc());
            log.info("VM {} from an earlier run: its network helper was gone and was started again", dir.vmId());
            return true;
        } catch (IOException e) {
            log.warn("VM {} from an earlier run has no network and could not get it back ({}); removing it",
                    dir.vmId(), e.getMessage());
            return false;
        }
    }
}
