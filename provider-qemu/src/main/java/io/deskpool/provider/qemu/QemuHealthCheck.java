package io.deskpool.provider.qemu;

import io.deskpool.core.probe.ProbeResult;
import io.deskpool.core.probe.Probes;
import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.spi.VmHealth;

import java.time.Duration;
import java.util.Map;

/**
 * One health check of a QEMU VM, cheapest first, all within the timeout: the process (gone, or stopped by a
 * signal, which a frozen VM is), then QMP {@code query-status} (a QEMU that does not answer its monitor, or whose
 * guest is paused, panicked or hit an I/O error such as a full disk, is unresponsive), then the in-VM server's
 * {@code GET /platform}. It takes no lock of the VM, so it never waits behind a revert; the pool checks only VMs
 * that nothing else is working on.
 */
final class QemuHealthCheck {
    private QemuHealthCheck() {
    }

    static VmHealth of(QemuVm vm, String vmId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (vm == null || vm.record() == null) {
            return VmHealth.gone("the QEMU provider has no VM " + vmId);
        }
        QemuProcess p = vm.process();
        if (p == null || !p.isRunning()) {
            return VmHealth.gone("QEMU " + (p == null ? "is not running" : "(pid " + p.pid() + ") " + p.exitDescription()));
        }
        if (p.isStopped()) {
            return VmHealth.unresponsive("QEMU (pid " + p.pid() + ") is stopped (SIGSTOP or a tracer)");
        }
        try (QmpClient qmp = QmpClient.connect(vm.dir.qmpSocket(), left(deadline), p::isRunning)) {
            String status = qmp.execute("query-status", Map.of(), left(deadline)).path("status").asText("");
            if (!"running".equals(status)) {
                return VmHealth.unresponsive("QEMU (pid " + p.pid() + ") says the guest is '" + status + "'");
            }
        } catch (QmpClient.QmpException e) {
            return p.isRunning() ? VmHealth.unresponsive("QEMU (pid " + p.pid() + ") did not answer on QMP within "
                    + timeout.toMillis() + " ms: " + e.getMessage())
                    : VmHealth.gone("QEMU (pid " + p.pid() + ") " + p.exitDescription());
        }
        ProbeResult guest = Probes.platform().check(vm.record().endpoints(), left(deadline));
        return guest.passed() ? VmHealth.healthy("QEMU pid " + p.pid() + " running; " + guest.detail())
                : VmHealth.unresponsive("the in-VM server did not answer GET /platform: " + guest.detail());
    }

    private static Duration left(long deadlineNanos) {
        return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
    }
}
