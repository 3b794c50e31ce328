package io.deskpool.provider.docker;

import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.HostConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Whether KVM really works for the VM containers. {@code /dev/kvm} existing is not enough: in a nested guest
 * it can exist and still kill or hang every VM. So the probe boots a one-sector guest under KVM, with the same
 * {@code -cpu host} the OSWorld image uses, in a throw-away container of the VM image (it carries QEMU), and
 * KVM counts as working only when that guest ran its code: it writes to QEMU's isa-debug-exit port, which
 * makes QEMU exit with status 3.
 */
final class KvmProbe {
    private static final Logger log = LoggerFactory.getLogger(KvmProbe.class);
    static final String PROBE_LABEL = "deskpool.kvm-probe";
    static final String NAME_PREFIX = "deskpool-kvm-probe-";
    private static final int SUCCESS_EXIT = 3;
    private static final int QEMU_SECONDS = 20;

    private final DockerEngine engine;

    KvmProbe(DockerEngine engine) {
        this.engine = requireNonNull(engine, "engine is null");
    }

    /** Runs the probe; any failure (no /dev/kvm on the engine's host, a crash, a hang) means "no". */
    boolean works(String image, Path workDir) {
        if (isLocalEngine() && !Files.exists(Path.of("/dev/kvm"))) {
            log.info("KVM: /dev/kvm does not exist; VMs run with software emulation (KVM=N)");
            return false;
        }
        removeFinished(engine);
        // Named before it is created: a probe cancelled mid-create (the doctor gives up on a slow check) never
        // learns the id of the container the engine made, and is still able to remove it.
        String name = NAME_PREFIX + UUID.randomUUID().toString().substring(0, 12);
        try {
            Path sector = writeBootSector(workDir);
            CreateContainerResponse created = engine.call("creating the KVM probe container", () ->
                    engine.client().createContainerCmd(image)
                            .withName(name)
                            .withEntrypoint("timeout", String.valueOf(QEMU_SECONDS), "qemu-system-x86_64")
                            .withCmd("-accel", "kvm", "-cpu", "host", "-machine", "pc", "-nodefaults", "-display", "none",
                                    "-no-reboot", "-m", "32", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                                    "-drive", "file=/tmp/" + sector.getFileName() + ",format=raw,if=ide,snapshot=on")
                            .withLabels(Map.of(PROBE_LABEL, "true"))
                            .withHostConfig(HostConfig.newHostConfig()
                                    .withDevices(List.of(Device.parse("/dev/kvm"))))
                            .exec());
            String cid = created.getId();
            engine.run("copying the KVM probe's boot sector", () -> engine.client().copyArchiveToContainerCmd(cid)
                    .withHostResource(sector.toString()).withRemotePath("/tmp").exec());
            engine.run("starting the KVM probe container", () -> engine.client().startContainerCmd(cid).exec());
            Integer exit = engine.call("waiting for the KVM probe", () -> engine.client().waitContainerCmd(cid)
                    .exec(new WaitContainerResultCallback()).awaitStatusCode(QEMU_SECONDS + 10L, TimeUnit.SECONDS));
            if (exit != null && exit == SUCCESS_EXIT) {
                log.info("KVM: a probe VM ran under KVM with -cpu host; VMs get /dev/kvm");
                return true;
            }
            log.warn("KVM: /dev/kvm is there but a probe VM did not run under it (exit {}{}); VMs run with "
                    + "software emulation (KVM=N), which is much slower", exit, exit != null && exit == 124
                    ? ", hung" : ": " + ContainerLogs.tail(engine, cid, 3));
            return false;
        } catch (RuntimeException | IOException e) {
            log.warn("KVM: the probe could not run ({}); VMs run with software emulation (KVM=N)", e.getMessage());
            return false;
        } finally {
            remove(engine, name);
        }
    }

    /**
     * Removes the probe container {@code name} (or id) if it exists, also from a thread that was interrupted (the
     * interrupt is kept for the caller): a probe left behind would show up as a leftover on the engine.
     */
    static void remove(DockerEngine engine, String name) {
        boolean interrupted = Thread.interrupted();
        try {
            engine.find("removing the KVM probe container", () -> {
                engine.client().removeContainerCmd(name).withForce(true).withRemoveVolumes(true).exec();
                return name;
            });
        } catch (RuntimeException e) {
            log.warn("Could not remove the KVM probe container {}: {}", name, e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Removes the probe containers that have ended: a probe removes its own in the end, so one that ended and is
     * still there was left by a probe that lost the engine before its clean-up (the engine restarted, or its socket
     * was cut). Probes still being created or running are left alone; they may be another probe's.
     *
     * @return how many were removed
     */
    static int removeFinished(DockerEngine engine) {
        try {
            List<String> ended = engine.call("listing ended KVM probe containers", () -> engine.client()
                    .listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(PROBE_LABEL, "true"))
                    .withStatusFilter(List.of("exited", "dead"))
                    .exec().stream().map(c -> c.getId()).toList());
            ended.forEach(id -> remove(engine, id));
            if (!ended.isEmpty()) {
                log.info("Removed {} KVM probe container(s) left by earlier probes", ended.size());
            }
            return ended.size();
        } catch (RuntimeException e) {
            log.warn("Could not look for KVM probe containers left by earlier probes: {}", e.getMessage());
            return 0;
        }
    }

    private boolean isLocalEngine() {
        return engine.host().startsWith("unix:") || engine.host().startsWith("npipe:");
    }

    /** A boot sector: {@code mov al,1; out 0xf4,al; hlt; jmp $-1}, padded, with the 55 AA signature. */
    private static Path writeBootSector(Path workDir) throws IOException {
        byte[] sector = new byte[512];
        byte[] code = {(byte) 0xB0, 0x01, (byte) 0xE6, (byte) 0xF4, (byte) 0xF4, (byte) 0xEB, (byte) 0xFD};
        System.arraycopy(code, 0, sector, 0, code.length);
        sector[510] = 0x55;
        sector[511] = (byte) 0xAA;
        Files.createDirectories(workDir);
        Path file = workDir.resolve("kvm-probe.img");
        Files.write(file, sector);
        return file;
    }
}
