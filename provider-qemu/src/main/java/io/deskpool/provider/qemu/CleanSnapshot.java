package io.deskpool.provider.qemu;

import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.probe.ReadinessProbe;
import io.deskpool.core.probe.ReadinessWaiter;
import io.deskpool.core.spi.VmEndpoints;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The one snapshot a VM keeps: its whole state (RAM, devices, disk) saved inside its overlay when it first
 * became ready, and loaded in place on every revert, so a reset takes a fraction of a second and no reboot.
 */
final class CleanSnapshot {
    /** savevm/loadvm of a multi-gigabyte guest take many seconds under software emulation. */
    private static final Duration SNAPSHOT_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration QUIET_NETWORK_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final GuestClock guestClock;
    private final ReadinessProbe probe;
    /** After a load the guest answers within tens of milliseconds: poll tightly. */
    private final ReadinessWaiter waiter = new ReadinessWaiter(Duration.ofMillis(20), Duration.ofSeconds(5));

    CleanSnapshot(String name, GuestClock guestClock, ReadinessProbe probe) {
        this.name = requireNonNull(name, "name is null");
        this.guestClock = requireNonNull(guestClock, "guestClock is null");
        this.probe = requireNonNull(probe, "probe is null");
    }

    String name() {
        return name;
    }

    /**
     * Saves the snapshot once no connection into the guest is in flight; returns false when connections stayed
     * open and it was saved anyway.
     */
    boolean save(QmpClient qmp) throws QmpClient.QmpException {
        boolean quiet = UserNetwork.awaitNoOpenConnections(qmp, QUIET_NETWORK_TIMEOUT);
        String answer = qmp.humanMonitorCommand("savevm " + name, SNAPSHOT_TIMEOUT);
        if (!answer.isBlank()) {
            throw new QmpClient.QmpException("savevm said: " + answer.strip());
        }
        return quiet;
    }

    /**
     * Loads the snapshot, ends every connection opened since it was taken (the guest forgot them), sets the
     * guest clock and waits for the probes on fresh connections. The clock goes before the probes so that
     * nothing sees the old time once the VM counts as ready. Returns how long each step took, for the log.
     */
    String restore(QemuVm vm, GuestNetwork network, QmpClient qmp, Duration timeout,
                   Supplier<Optional<String>> deathCheck)
            throws IOException {
        long t0 = System.nanoTime();
        // The CPUs stay stopped from before the load until the network is swapped: a packet the guest sent while
        // its hub had no backend would be parked, stalling the NIC until the next stop/cont.
        qmp.execute("stop", Map.of(), QMP_TIMEOUT);
        try {
            String answer = qmp.humanMonitorCommand("loadvm " + name, SNAPSHOT_TIMEOUT);
            if (!answer.isBlank()) {
                throw new QmpClient.QmpException("loadvm said: " + answer.strip());
            }
            network.dropConnections(qmp, vm.record().ports(), QMP_TIMEOUT);
        } finally {
            qmp.execute("cont", Map.of(), QMP_TIMEOUT);
        }
        long t1 = System.nanoTime();
        long deadline = t1 + timeout.toNanos();
        VmEndpoints endpoints = vm.record().endpoints();
        guestClock.set(endpoints, deadline, deathCheck);
        long t2 = System.nanoTime();
        waiter.await(vm.id(), probe, endpoints, Duration.ofNanos(Math.max(0, deadline - t2)), deathCheck);
        long t3 = System.nanoTime();
        return "loadvm " + (t1 - t0) / 1_000_000 + " ms, clock " + (t2 - t1) / 1_000_000 + " ms, ready "
                + (t3 - t2) / 1_000_000 + " ms";
    }
}
