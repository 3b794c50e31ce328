package io.deskpool.core.qemu;

import java.io.IOException;
import java.time.Duration;

/**
 * How every connection into a guest is ended after its state was replaced (a snapshot load, a copy started from
 * another VM's state). The guest has forgotten connections opened since that state was saved, but whatever
 * carries them on the host side still holds them: an idle client (a DevTools websocket, a keep-alive HTTP
 * connection) would hang until it next sent. Each provider knows what carries its guest's connections (QEMU's
 * user networking, a container's port proxy) and ends them its way. Called with the guest's CPUs stopped.
 */
@FunctionalInterface
public interface StaleConnections {
    /** Nothing to end: for guests nothing reaches over a connection-holding path. */
    StaleConnections NONE = (qmp, timeout) -> { };

    void end(QmpClient qmp, Duration timeout) throws IOException;
}
