package io.deskpool.provider.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerNetwork;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.qemu.SnapshotEngine;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * QEMU snapshots inside a VM container, driven from the host over the QMP socket in the container's bind-mounted
 * folder through core's {@link SnapshotEngine} (the same engine as the QEMU provider's). QEMU runs with
 * {@code -snapshot}, so every drive is a temporary qcow2 that accepts {@code savevm}; the snapshots live as long as
 * that QEMU process. After a load the host side of the guest's connections is reset ({@link PublishedPortResets}),
 * the guest clock set and the probes must pass again.
 */
final class ContainerSnapshots {
    private final SnapshotEngine engine;
    private final Duration qmpTimeout;
    private final Optional<Path> socketKiller = PublishedPortResets.socketKiller();

    ContainerSnapshots(SnapshotEngine engine, Duration qmpTimeout) {
        this.engine = requireNonNull(engine, "engine is null");
        this.qmpTimeout = requireNonNull(qmpTimeout, "qmpTimeout is null");
    }

    SnapshotEngine engine() {
        return engine;
    }

    /** {@code savevm} once the guest's network is quiet; empty when saved, else why not. */
    Optional<String> save(Path socket, String name) {
        try (QmpClient qmp = QmpClient.connect(socket, qmpTimeout, () -> true)) {
            engine.save(qmp, name);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of("savevm " + name + ": " + e.getMessage());
        }
    }

    /** Loads the snapshot and settles the guest; empty when done, else why not. */
    Optional<String> restore(Path socket, String name, SnapshotEngine.Guest guest, Duration timeout) {
        try (QmpClient qmp = QmpClient.connect(socket, qmpTimeout, () -> true)) {
            engine.restore(qmp, name, guest, timeout);
            return Optional.empty();
        } catch (IOException | DeskpoolException e) {
            return Optional.of("loadvm " + name + ": " + e.getMessage());
        }
    }

    /** The snapshot tags the container's QEMU holds. */
    Set<String> list(Path socket) throws IOException {
        try (QmpClient qmp = QmpClient.connect(socket, qmpTimeout, () -> true)) {
            return engine.list(qmp);
        }
    }

    /**
     * The VM as the engine settles it: its endpoints, what resets its connections from the host (its container's
     * addresses and published ports) and why it can no longer answer.
     */
    SnapshotEngine.Guest guest(VmHandle vm, VmEndpoints endpoints, InspectContainerResponse container,
                               Function<String, Optional<String>> deathOf) {
        Map<String, ContainerNetwork> networks = container.getNetworkSettings() == null
                || container.getNetworkSettings().getNetworks() == null ? Map.of()
                : container.getNetworkSettings().getNetworks();
        List<String> addresses = networks.values().stream().map(ContainerNetwork::getIpAddress)
                .filter(Objects::nonNull).filter(a -> !a.isBlank()).toList();
        Supplier<Optional<String>> death = () -> deathOf.apply(vm.backendId());
        return new SnapshotEngine.Guest(vm.id(), endpoints, new PublishedPortResets(socketKiller, addresses, endpoints),
                death);
    }
}
