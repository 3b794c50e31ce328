package io.deskpool.provider.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import io.deskpool.core.spi.VmLabels;
import io.deskpool.core.spi.VmSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The VM containers on the engine: how one is created from a spec (the OSWorld image's contract: the qcow2
 * read-only at {@code /System.qcow2}, RAM_SIZE / CPU_CORES / DISK_SIZE / KVM / ARGUMENTS, NET_ADMIN, ports
 * 5000, 9222, 8006 and 8080 published on host ports Docker picks), found by label, and removed with its volumes.
 */
final class VmContainers {
    private static final Logger log = LoggerFactory.getLogger(VmContainers.class);

    /** Label naming the host folder bind-mounted at {@link #QMP_MOUNT}, so a restarted server finds the socket. */
    static final String QMP_DIR_LABEL = "deskpool.qmp-dir";
    static final String PROVIDER_LABEL = "deskpool.provider";
    static final String QMP_MOUNT = "/qmp";
    static final String QMP_SOCKET = "qmp.sock";

    private final DockerEngine engine;
    private final DockerConfig config;
    private final String ownerId;

    VmContainers(DockerEngine engine, DockerConfig config, String ownerId) {
        this.engine = requireNonNull(engine, "engine is null");
        this.config = requireNonNull(config, "config is null");
        this.ownerId = requireNonNull(ownerId, "ownerId is null");
    }

    /** The container name of a VM: Docker allows [a-zA-Z0-9_.-]. */
    static String nameOf(String vmId) {
        return "deskpool-" + vmId.replaceAll("[^a-zA-Z0-9_.-]", "_");
    }

    /**
     * Creates and starts the container of a VM; on any failure removes what it created and rethrows.
     *
     * @param qmpDir host folder for the QMP socket (fast revert), or empty to boot without QMP and -snapshot
     * @param extraQemuArgs appended to the provider's QEMU arguments (a fork's copy waits for a state)
     * @return the container id
     */
    String createAndStart(String vmId, VmSpec spec, boolean kvm, Optional<Path> qmpDir, List<String> extraQemuArgs) {
        String image = spec.image().isBlank() ? config.image() : spec.image();
        var labels = new HashMap<>(spec.labels());
        labels.put(VmLabels.OWNER, ownerId);
        labels.put(VmLabels.VM_ID, vmId);
        labels.put(PROVIDER_LABEL, "docker");
        qmpDir.ifPresent(d -> labels.put(QMP_DIR_LABEL, d.toString()));

        List<String> env = new ArrayList<>(List.of(
                "RAM_SIZE=" + DockerConfig.ramSize(spec.memoryMb()),
                "CPU_CORES=" + spec.cpus(),
                "DISK_SIZE=" + spec.diskGb() + "G",
                "KVM=" + (kvm ? "Y" : "N"),
                "ARGUMENTS=" + arguments(qmpDir.isPresent(), extraQemuArgs)));
        if (kvm && !config.kvmCpuFlags().isBlank()) {
            env.add("CPU_FLAGS=" + config.kvmCpuFlags());
        }

        var binds = new ArrayList<Bind>();
        binds.add(new Bind(config.pathToVm().toString(), new Volume("/System.qcow2"), AccessMode.ro));
        qmpDir.ifPresent(d -> binds.add(new Bind(d.toString(), new Volume(QMP_MOUNT), AccessMode.rw)));
        var ports = new Ports();
        var exposed = new ArrayList<ExposedPort>();
        for (int p : PublishedPorts.CONTAINER_PORTS) {
            ExposedPort e = ExposedPort.tcp(p);
            exposed.add(e);
            ports.bind(e, Ports.Binding.bindIp(config.bindAddress()));
        }
        HostConfig host = HostConfig.newHostConfig()
                .withBinds(binds)
                .withPortBindings(ports)
                .withCapAdd(Capability.NET_ADMIN);
        if (kvm) {
            host.withDevices(List.of(Device.parse("/dev/kvm")));
        }

        String name = nameOf(vmId);
        String id = engine.call("creating container " + name + " from " + image, () ->
                engine.client().createContainerCmd(image)
                        .withName(name)
                        .withLabels(labels)
                        .withEnv(env)
                        .withExposedPorts(exposed)
                        .withHostConfig(host)
                        .exec()).getId();
        try {
            engine.run("starting container " + name, () -> engine.client().startContainerCmd(id).exec());
        } catch (RuntimeException e) {
            removeQuietly(id, name);
            throw e;
        }
        log.info("VM {}: container {} ({}) started from {} (RAM_SIZE={}, CPU_CORES={}, KVM={}, fast revert {})",
                vmId, name, id.substring(0, 12), image, DockerConfig.ramSize(spec.memoryMb()), spec.cpus(),
                kvm ? "Y" : "N", qmpDir.isPresent() ? "on" : "off");
        return id;
    }

    /** ARGUMENTS: the QMP socket and {@code -snapshot} (every drive a temporary qcow2 that savevm accepts), then the user's. */
    private String arguments(boolean fastRevert, List<String> extraQemuArgs) {
        String own = fastRevert ? "-qmp unix:" + QMP_MOUNT + "/" + QMP_SOCKET + ",server=on,wait=off -snapshot" : "";
        return (own + " " + String.join(" ", extraQemuArgs) + " " + config.qemuArguments()).trim().replaceAll("\\s+", " ");
    }

    Optional<InspectContainerResponse> inspect(String containerId) {
        return engine.find("inspecting container " + containerId,
                () -> engine.client().inspectContainerCmd(containerId).exec());
    }

    /** Every container carrying our owner label, running or not. */
    List<Container> owned() {
        return engine.call("listing containers of owner " + ownerId, () -> engine.client().listContainersCmd()
                .withShowAll(true).withLabelFilter(Map.of(VmLabels.OWNER, ownerId)).exec());
    }

    /** Containers of another Deskpool owner. */
    List<Container> foreign() {
        return engine.call("listing Deskpool containers", () -> engine.client().listContainersCmd()
                        .withShowAll(true).withLabelFilter(List.of(VmLabels.OWNER)).exec()).stream()
                .filter(c -> c.getLabels() != null && !ownerId.equals(c.getLabels().get(VmLabels.OWNER)))
                .toList();
    }

    /** Our containers of one VM (normally one; more only if a recreate was interrupted). */
    List<Container> ofVm(String vmId) {
        return engine.call("listing containers of VM " + vmId, () -> engine.client().listContainersCmd()
                .withShowAll(true).withLabelFilter(Map.of(VmLabels.OWNER, ownerId, VmLabels.VM_ID, vmId)).exec());
    }

    /**
     * Stops the container (with the configured grace) and removes it with its volumes: the image declares
     * {@code VOLUME /storage}, which a plain remove would leave behind. A container already gone is fine.
     */
    void remove(String containerId) {
        try {
            engine.client().stopContainerCmd(containerId).withTimeout((int) config.stopTimeout().toSeconds()).exec();
        } catch (NotFoundException e) {
            return;
        } catch (NotModifiedException e) {
            // already stopped
        } catch (RuntimeException e) {
            // A stop that fails is not the end: the forced remove below kills it.
            log.debug("Stopping container {} failed: {}", containerId, e.getMessage());
        }
        try {
            engine.client().removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            // gone meanwhile
        } catch (RuntimeException e) {
            if (e.getMessage() != null && e.getMessage().contains("is already in progress")) {
                return;
            }
            throw engine.translate("removing container " + containerId, e);
        }
    }

    private void removeQuietly(String id, String name) {
        try {
            remove(id);
        } catch (RuntimeException e) {
            log.warn("Could not remove container {} after a failed start: {}", name, e.getMessage());
        }
    }
}
