package io.deskpool.provider.qemu;

import io.deskpool.core.qemu.StaleConnections;

import java.util.List;

/**
 * QEMU_GUEST_NETWORK=host: QEMU's user networking on the host's own network stack, its forwards bound on the
 * bind address. The guest reaches everything the host reaches, including the host's loopback services through
 * 10.0.2.2 (the Deskpool API, every other VM's forwarded ports): only for trusted guests. QEMU binds the
 * forwarded ports itself, so a port taken meanwhile shows in QEMU's output.
 */
final class HostGuestNetwork implements GuestNetwork {
    static final String NAME = "host";

    private final String bindHost;
    private final boolean restrict;

    HostGuestNetwork(String bindHost, boolean restrict) {
        this.bindHost = bindHost;
        this.restrict = restrict;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> qemuArgs(ForwardedPorts ports) {
        return UserNetwork.args(ports.hostForwardRules(bindHost), restrict, true);
    }

    @Override
    public List<String> launchCommand(List<String> qemuCommand, VmDirectory dir) {
        return qemuCommand;
    }

    @Override
    public List<String> vncArgs(VncDisplay vnc, VmDirectory dir) {
        return vnc.args(dir.vncSocket(), bindHost, vnc.webSocketPort());
    }

    @Override
    public void attach(VmDirectory dir, long qemuPid, ForwardedPorts ports, VncDisplay vnc) {
    }

    @Override
    public boolean attached(VmDirectory dir) {
        return true;
    }

    @Override
    public StaleConnections staleConnections(ForwardedPorts ports) {
        return UserNetwork.swap(ports.hostForwardRules(bindHost), restrict, true);
    }

    @Override
    public void detach(VmDirectory dir) {
    }

    @Override
    public String describe() {
        return restrict ? "user networking restricted to the forwarded ports"
                : "user networking on the host: the guest reaches the host's loopback services and other VMs";
    }
}
