package io.deskpool.provider.qemu;

import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Starts QEMU for a VM on a fresh overlay and returns once QEMU answers on QMP and its network is attached (the
 * guest is not up yet). The guest ports go to free host ports; when another process takes one between our pick
 * and the bind (by QEMU or by the network's helper), the start is retried with new ports.
 */
final class QemuStarter {
    private static final Logger log = LoggerFactory.getLogger(QemuStarter.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    private static final int PORT_ATTEMPTS = 5;

    private final QemuConfig config;
    private final Path binary;
    private final Path imgBinary;
    private final Accelerator accelerator;
    private final Consumer<QemuVm> started;

    /** @param started told of every QEMU started (the exit watch), whether it boots or waits for a saved state */
    QemuStarter(QemuConfig config, Path binary, Path imgBinary, Accelerator accelerator, Consumer<QemuVm> started) {
        this.config = requireNonNull(config, "config is null");
        this.binary = requireNonNull(binary, "binary is null");
        this.imgBinary = requireNonNull(imgBinary, "imgBinary is null");
        this.accelerator = requireNonNull(accelerator, "accelerator is null");
        this.started = requireNonNull(started, "started is null");
    }

    /**
     * Creates the overlay over {@code base}, starts QEMU with {@code network} and writes {@code vm.json}.
     * {@code draft} gives the VM's id, owner, labels, size and creation time; its pid, ports and snapshot are
     * replaced.
     *
     * @throws DeskpoolException BOOT_FAILED with what QEMU said when it does not start
     */
    void start(QemuVm vm, BaseImage base, VmRecord draft, GuestNetwork network) throws IOException {
        base.createOverlay(imgBinary, vm.dir.overlay(), draft.diskGb());
        run(vm, draft, network, List.of());
    }

    /**
     * Starts QEMU on the overlay already in the VM's directory, waiting for a saved state to be loaded into it
     * ({@code -incoming defer}: the CPUs do not run, and no image is locked until the state is loaded).
     */
    void startIncoming(QemuVm vm, VmRecord draft, GuestNetwork network) throws IOException {
        run(vm, draft, network, List.of("-incoming", "defer"));
    }

    private void run(QemuVm vm, VmRecord draft, GuestNetwork network, List<String> extraArgs) throws IOException {
        VmDirectory dir = vm.dir;
        if (draft.memoryShared()) {
            // A VM's own memory file starts empty: a fresh boot, or a state load that writes every page.
            Files.deleteIfExists(Path.of(draft.memory()));
        }
        for (int attempt = 1; ; attempt++) {
            ForwardedPorts ports = ForwardedPorts.pickFree(config.bindAddress());
            VncDisplay vnc = VncDisplay.pickFree(config.bindAddress());
            List<String> qemu = QemuCommandLine.build(binary, config, accelerator, draft, dir, network.qemuArgs(ports),
                    network.vncArgs(vnc, dir), extraArgs);
            List<String> argv = network.launchCommand(qemu, dir);
            Files.deleteIfExists(dir.qmpSocket());
            Files.deleteIfExists(dir.vncSocket());
            Files.deleteIfExists(dir.qemuLog());
            Files.deleteIfExists(dir.pidFile());
            log.debug("Starting VM {}: {}", draft.vmId(), String.join(" ", argv));
            QemuProcess process = QemuProcess.start(argv, dir);
            try (QmpClient qmp = QmpClient.connect(dir.qmpSocket(), START_TIMEOUT, process::isRunning)) {
                qmp.execute("query-status", Map.of(), QMP_TIMEOUT);
            } catch (QmpClient.QmpException e) {
                process.stop(Duration.ofSeconds(2));
                network.detach(dir);
                String said = LogTail.read(dir.qemuLog(), 15);
                if ((said.contains("host forwarding rule") || VncDisplay.portTaken(said)) && attempt < PORT_ATTEMPTS) {
                    log.info("VM {}: a forwarded port was taken before QEMU bound it; retrying with new ports ({}/{})",
                            draft.vmId(), attempt, PORT_ATTEMPTS);
                    continue;
                }
                throw new DeskpoolException(ErrorCode.BOOT_FAILED, "QEMU for VM " + draft.vmId() + " did not start ("
                        + process.exitDescription() + "): " + e.getMessage()
                        + (said.isEmpty() ? "" : "; QEMU said:\n" + said), e);
            }
            process = process.followPidFile(dir);
            try {
                network.attach(dir, process.pid(), ports, vnc);
            } catch (IOException e) {
                process.stop(Duration.ofSeconds(2));
                network.detach(dir);
                if (e instanceof GuestNetwork.PortTakenException && attempt < PORT_ATTEMPTS) {
                    log.info("VM {}: {}; retrying with new ports ({}/{})", draft.vmId(), e.getMessage(), attempt,
                            PORT_ATTEMPTS);
                    continue;
                }
                throw new DeskpoolException(ErrorCode.BOOT_FAILED, "The network of VM " + draft.vmId()
                        + " could not be set up: " + e.getMessage(), e);
            }
            VmRecord record = new VmRecord(draft.vmId(), draft.owner(), draft.labels(), draft.createdAt(),
                    process.pid(), draft.image(), draft.memoryMb(), draft.cpus(), draft.diskGb(),
                    accelerator.qemuName(), config.bindAddress().getHostAddress(), config.restrictNetwork(),
                    network.name(), config.endpointHost(), ports.server(), ports.cdp(), ports.vlc(), vnc.webSocketPort(),
                    "", VmRecord.FIRST_DISK, draft.memory(), draft.memoryShared());
            try {
                record.writeTo(dir.recordFile());
            } catch (IOException | RuntimeException e) {
                // QEMU runs, but nothing records it (a full disk): stop it, or it outlives the VM that failed.
                process.stop(Duration.ofSeconds(2));
                network.detach(dir);
                throw e;
            }
            vm.running(process, record);
            started.accept(vm);
            log.info("VM {} started{}: QEMU pid {}, {} MB{}, {} CPU, {}, in-VM server on {}:{}, CDP on {}:{}, VNC "
                            + "WebSocket on {}:{}, network {}, base {}", draft.vmId(),
                    extraArgs.isEmpty() ? "" : " (waiting for a saved state)", process.pid(), draft.memoryMb(),
                    draft.memory().isEmpty() ? "" : " in " + draft.memory(), draft.cpus(), accelerator.qemuName(),
                    record.host(), ports.server(), record.host(), ports.cdp(), record.host(), vnc.webSocketPort(),
                    network.describe(), draft.image());
            return;
        }
    }
}
