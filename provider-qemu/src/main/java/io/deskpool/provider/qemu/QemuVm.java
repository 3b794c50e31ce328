package io.deskpool.provider.qemu;

import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import static java.util.Objects.requireNonNull;

/**
 * The provider's view of one VM: its directory, the current QEMU process and the record in {@code vm.json}.
 * Operations on one VM (ready, revert, destroy) hold its lock; the process and record change on a reboot.
 */
final class QemuVm {
    final VmDirectory dir;
    final ReentrantLock lock = new ReentrantLock();
    private volatile QemuProcess process;
    private volatile VmRecord record;
    private CpuMeter cpu;

    QemuVm(VmDirectory dir) {
        this.dir = requireNonNull(dir, "dir is null");
    }

    QemuVm(VmDirectory dir, QemuProcess process, VmRecord record) {
        this(dir);
        this.process = process;
        this.record = record;
    }

    String id() {
        return dir.vmId();
    }

    QemuProcess process() {
        return process;
    }

    VmRecord record() {
        return record;
    }

    void running(QemuProcess newProcess, VmRecord newRecord) {
        this.process = newProcess;
        this.record = newRecord;
    }

    void record(VmRecord newRecord) {
        this.record = newRecord;
    }

    /** CPU use of the current QEMU since the previous call, as docker stats reports it; -1 without a QEMU. */
    synchronized double cpuPercent() {
        QemuProcess p = process;
        if (p == null) {
            return -1;
        }
        if (cpu == null || cpu.pid() != p.pid()) {
            cpu = new CpuMeter(p.pid());
        }
        return cpu.percent();
    }

    boolean isRunning() {
        QemuProcess p = process;
        return p != null && p.isRunning();
    }

    /**
     * Why the VM can no longer become ready, if it cannot: its QEMU exited, or its kernel panicked (on a heavily
     * loaded host, software emulation can fail the kernel's timer check), which would otherwise hang until the
     * readiness timeout.
     */
    Optional<String> whyStopped() {
        QemuProcess p = process;
        if (p != null && !p.isRunning()) {
            String said = LogTail.read(dir.qemuLog(), 5);
            return Optional.of("QEMU " + p.exitDescription() + (said.isEmpty() ? "" : ": " + said.replace('\n', ' ')));
        }
        return LogTail.read(dir.serialLog(), 30).lines()
                .filter(l -> l.contains("Kernel panic"))
                .findFirst()
                .map(l -> "the guest kernel panicked: " + l.strip());
    }

    /** The last lines of the guest's serial console and of QEMU's output, for error messages. */
    String logTails() {
        String serial = LogTail.read(dir.serialLog(), 20);
        String qemu = LogTail.read(dir.qemuLog(), 10);
        return (serial.isEmpty() ? "; the guest printed nothing on its serial console"
                : "; last serial console lines:\n" + serial)
                + (qemu.isEmpty() ? "" : "\nQEMU said:\n" + qemu);
    }

    boolean hasSnapshot() {
        VmRecord r = record;
        return r != null && !r.snapshot().isEmpty();
    }
}
