package io.deskpool.provider.qemu;

import io.deskpool.core.qemu.StaleConnections;

import java.io.IOException;
import java.util.List;

/**
 * How a VM's guest is wired to the network: the arguments QEMU gets, what (if anything) wraps QEMU or runs
 * beside it, and how every connection into the guest is dropped on a revert. The guest's ports are forwarded to
 * the host ports in {@link ForwardedPorts}; which implementation a VM uses is kept in its {@code vm.json}, so a
 * restarted server handles it the way it was started.
 */
interface GuestNetwork {
    /** The value kept in vm.json and the QEMU_GUEST_NETWORK setting. */
    String name();

    /** The -netdev/-device arguments for QEMU's command line. */
    List<String> qemuArgs(ForwardedPorts ports);

    /** The -vnc arguments: QEMU's VNC WebSocket where the host reaches it on {@code vnc}'s port. */
    List<String> vncArgs(VncDisplay vnc, VmDirectory dir);

    /** The command that runs {@code qemuCommand} (which already holds {@link #qemuArgs}) with this network. */
    List<String> launchCommand(List<String> qemuCommand, VmDirectory dir) throws IOException;

    /**
     * Called once QEMU answers on QMP: starts what must run beside it for the forwarded ports to answer.
     *
     * @throws PortTakenException when another process holds one of the host ports (the start is retried)
     */
    void attach(VmDirectory dir, long qemuPid, ForwardedPorts ports, VncDisplay vnc) throws IOException;

    /** Whether what {@link #attach} started still runs (a VM adopted after a restart needs it). */
    boolean attached(VmDirectory dir);

    /**
     * What ends every connection into the guest after its state was replaced: its network backend swapped for a
     * fresh one with the same forwards (see {@link io.deskpool.core.qemu.SlirpBackendSwap}).
     */
    StaleConnections staleConnections(ForwardedPorts ports);

    /** Stops what {@link #attach} started for the VM in {@code dir}, found by its pid file; never throws. */
    void detach(VmDirectory dir);

    /** One line for the log: what the guest can reach. */
    String describe();

    /** A host port of the VM was taken by another process between our pick and its bind. */
    final class PortTakenException extends IOException {
        PortTakenException(String message) {
            super(message);
        }
    }
}
