package io.deskpool.provider.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * What {@code vm.json} remembers about a VM so that a restarted server finds it: whose it is, its labels, the
 * QEMU process, its guest network ({@link GuestNetwork#name()}), where its ports are forwarded and its VNC
 * WebSocket listens (host ports on {@code bindAddress}; clients use {@code host}), whether its top overlay holds
 * the clean snapshot ({@code snapshot} is empty until it was taken, and for copies made by a fork, whose top overlay
 * never held it), and the file name of that top overlay in the VM's directory ({@code disk}: {@code overlay.qcow2},
 * or a later one once the VM was forked and its first overlay frozen). {@code memory} is the file holding the
 * guest's RAM (empty: anonymous memory): its own, mapped shared ({@code memoryShared}), or a fork's frozen memory
 * template, mapped copy-on-write. {@code diskGb} is 0 when the overlay keeps the base image's size.
 */
record VmRecord(
        String vmId,
        String owner,
        Map<String, String> labels,
        String createdAt,
        long pid,
        String image,
        int memoryMb,
        int cpus,
        int diskGb,
        String accelerator,
        String bindAddress,
        boolean restrictNetwork,
        String network,
        String host,
        int serverPort,
        int cdpPort,
        int vlcPort,
        int vncPort,
        String snapshot,
        String disk,
        String memory,
        boolean memoryShared) {

    /** The top overlay of a VM that was never forked. */
    static final String FIRST_DISK = "overlay.qcow2";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    VmRecord {
        requireNonNull(vmId, "vmId is null");
        requireNonNull(owner, "owner is null");
        labels = Map.copyOf(labels);
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(image, "image is null");
        requireNonNull(accelerator, "accelerator is null");
        requireNonNull(bindAddress, "bindAddress is null");
        // vm.json written before guest networks had a name: QEMU's user networking on the host.
        network = network == null ? HostGuestNetwork.NAME : network;
        requireNonNull(host, "host is null");
        requireNonNull(snapshot, "snapshot is null");
        // vm.json written before forks existed: the first overlay.
        disk = disk == null ? FIRST_DISK : disk;
        // vm.json written before memory files existed: anonymous memory.
        memory = memory == null ? "" : memory;
        if (disk.isEmpty() || disk.contains("/")) {
            throw new IllegalArgumentException("disk must be a file name in the VM's directory, got '" + disk + "'");
        }
    }

    VmRecord withSnapshot(String name) {
        return new VmRecord(vmId, owner, labels, createdAt, pid, image, memoryMb, cpus, diskGb, accelerator,
                bindAddress, restrictNetwork, network, host, serverPort, cdpPort, vlcPort, vncPort, name, disk, memory,
                memoryShared);
    }

    /** The VM now runs on the top overlay {@code fileName}, which does not hold the clean snapshot. */
    VmRecord withDisk(String fileName) {
        return new VmRecord(vmId, owner, labels, createdAt, pid, image, memoryMb, cpus, diskGb, accelerator,
                bindAddress, restrictNetwork, network, host, serverPort, cdpPort, vlcPort, vncPort, "", fileName, memory,
                memoryShared);
    }

    /** The guest's RAM in {@code file} ({@code shared}: the VM's own; else a template mapped copy-on-write). */
    VmRecord withMemory(String file, boolean shared) {
        return new VmRecord(vmId, owner, labels, createdAt, pid, image, memoryMb, cpus, diskGb, accelerator,
                bindAddress, restrictNetwork, network, host, serverPort, cdpPort, vlcPort, vncPort, snapshot, disk, file,
                shared);
    }

    /** Where the guest's services answer; VNC is QEMU's own WebSocket listener (0 in records from before it). */
    io.deskpool.core.spi.VmEndpoints endpoints() {
        return new io.deskpool.core.spi.VmEndpoints(host, serverPort, cdpPort, vncPort, vlcPort,
                VncDisplay.WEBSOCKET_PATH);
    }

    ForwardedPorts ports() {
        return new ForwardedPorts(serverPort, cdpPort, vlcPort);
    }

    VncDisplay vnc() {
        return new VncDisplay(vncPort);
    }

    /** Writes to a temporary file first, so a reader never sees half a record. */
    void writeTo(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static VmRecord readFrom(Path file) throws IOException {
        return JSON.readValue(file.toFile(), VmRecord.class);
    }
}
