package io.deskpool.provider.qemu;

import io.deskpool.core.spi.VmExit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Tells the pool when a VM's QEMU ends without this provider stopping it (kill -9, a crash, the OOM killer). A QEMU
 * this JVM started is its child, so its exit is known at once; one found again after a restart is not, so every
 * watched process is also looked at in /proc once a second (which also sees a zombie nobody reaps as ended).
 */
final class QemuExitWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QemuExitWatch.class);

    private final Predicate<QemuVm> stillHeld;
    private final Map<QemuProcess, QemuVm> watched = new ConcurrentHashMap<>();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "qemu-exit-watch");
        t.setDaemon(true);
        return t;
    });
    private volatile Consumer<VmExit> listener;

    /** @param stillHeld whether the provider still holds this VM (one it destroyed is no news) */
    QemuExitWatch(Predicate<QemuVm> stillHeld) {
        this.stillHeld = stillHeld;
    }

    void start(Consumer<VmExit> newListener) {
        listener = newListener;
        poller.scheduleWithFixedDelay(this::poll, 1, 1, TimeUnit.SECONDS);
    }

    /** Watches the VM's current QEMU process. */
    void watch(QemuVm vm) {
        QemuProcess p = vm.process();
        if (p == null || watched.putIfAbsent(p, vm) != null) {
            return;
        }
        p.onExit().whenComplete((h, e) -> ended(p));
    }

    private void poll() {
        try {
            for (QemuProcess p : watched.keySet()) {
                if (!p.isRunning()) {
                    ended(p);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Watching QEMU processes failed", e);
        }
    }

    private void ended(QemuProcess p) {
        QemuVm vm = watched.remove(p);
        Consumer<VmExit> l = listener;
        if (vm == null || l == null || p.stopRequested() || vm.process() != p || !stillHeld.test(vm)) {
            return;
        }
        String said = LogTail.read(vm.dir.qemuLog(), 3).replace('\n', ' ').strip();
        String detail = "QEMU (pid " + p.pid() + ") " + p.exitDescription() + (said.isEmpty() ? "" : ": " + said);
        log.warn("VM {}: {}", vm.id(), detail);
        try {
            l.accept(new VmExit(vm.id(), vm.dir.pidFile().toString(), detail));
        } catch (RuntimeException e) {
            log.warn("The exit listener failed on VM {}", vm.id(), e);
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
