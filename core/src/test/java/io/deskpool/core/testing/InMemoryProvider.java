package io.deskpool.core.testing;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.spi.ForkRequest;
import io.deskpool.core.spi.ForkSupport;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.RevertResult;
import io.deskpool.core.spi.ScreenSize;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmExit;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmHealth;
import io.deskpool.core.spi.VmLabels;
import io.deskpool.core.spi.VmSpec;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A provider that lives in test code only: "VMs" are map entries in an {@link InMemoryBackend}. Boots take a
 * set delay or wait at a gate; launches, readiness and reverts fail on demand; a VM can be killed (its exit is
 * reported, unless exit reports are off) or frozen (its health checks say unresponsive). It counts what happened
 * so tests can check concurrency bounds, leaks and that every lease starts from a clean VM.
 */
public final class InMemoryProvider implements Provider {
    public static final String SNAPSHOT = "clean";

    private final InMemoryBackend backend;
    private final String owner;
    private final Clock clock;
    private volatile Duration bootDelay = Duration.ZERO;
    private volatile Semaphore bootGate;
    private final AtomicInteger failNextLaunches = new AtomicInteger();
    private final AtomicInteger failNextReadiness = new AtomicInteger();
    private final AtomicInteger failNextReverts = new AtomicInteger();
    private final AtomicInteger failNextDestroys = new AtomicInteger();
    private final AtomicInteger bootsInFlight = new AtomicInteger();
    private final AtomicInteger maxBootsInFlight = new AtomicInteger();
    public final AtomicInteger launches = new AtomicInteger();
    public final AtomicInteger reverts = new AtomicInteger();
    public final AtomicInteger destroys = new AtomicInteger();
    public final AtomicInteger healthChecks = new AtomicInteger();
    public final AtomicInteger forks = new AtomicInteger();
    private final AtomicInteger failNextForks = new AtomicInteger();
    private volatile String forkRefusal;
    private volatile Semaphore forkGate;
    private volatile boolean reportsExits = true;
    private volatile Consumer<VmExit> exitListener;

    public InMemoryProvider(InMemoryBackend backend, String owner, Clock clock) {
        this.backend = backend;
        this.owner = owner;
        this.clock = clock;
    }

    public InMemoryProvider() {
        this(new InMemoryBackend(), "test-owner", Clock.systemUTC());
    }

    public InMemoryBackend backend() {
        return backend;
    }

    public InMemoryProvider withBootDelay(Duration delay) {
        this.bootDelay = delay;
        return this;
    }

    /** Boots block until {@link #openGate(int)} lets them through. */
    public InMemoryProvider withClosedGate() {
        this.bootGate = new Semaphore(0);
        return this;
    }

    public void openGate(int boots) {
        bootGate.release(boots);
    }

    public void openGateFully() {
        Semaphore g = bootGate;
        bootGate = null;
        if (g != null) {
            g.release(10_000);
        }
    }

    /** Exits are not reported: the pool learns about a killed VM from its health checks only. */
    public InMemoryProvider withoutExitReports() {
        this.reportsExits = false;
        return this;
    }

    /** Ends a VM behind the pool's back, as kill -9 would, and reports its exit (if exit reports are on). */
    public void kill(String vmId) {
        InMemoryBackend.Vm v = backend.vms.remove(vmId);
        Consumer<VmExit> listener = exitListener;
        if (v != null && listener != null) {
            listener.accept(new VmExit(vmId, v.handle.backendId(), "process was killed"));
        }
    }

    /** Tells the pool about an exit as a provider would, whether or not it happened. */
    public void reportExit(VmExit exit) {
        exitListener.accept(exit);
    }

    /** The VM stops answering (as SIGSTOP would) until {@link #thaw}. */
    public void freeze(String vmId) {
        backend.vms.get(vmId).frozen = true;
    }

    public void thaw(String vmId) {
        backend.vms.get(vmId).frozen = false;
    }

    /** The VM's next {@code n} health checks say it does not answer, then it answers again. */
    public void unresponsiveChecks(String vmId, int n) {
        backend.vms.get(vmId).unresponsiveChecks.set(n);
    }

    /** The provider cannot fork, for {@code reason}. */
    public InMemoryProvider withoutFork(String reason) {
        this.forkRefusal = reason;
        return this;
    }

    /** Forks block (their copies exist, not ready yet) until {@link #openForkGate()}. */
    public InMemoryProvider withClosedForkGate() {
        this.forkGate = new Semaphore(0);
        return this;
    }

    public void openForkGate() {
        Semaphore g = forkGate;
        forkGate = null;
        if (g != null) {
            g.release(10_000);
        }
    }

    public void failNextForks(int n) {
        failNextForks.set(n);
    }

    public void failNextLaunches(int n) {
        failNextLaunches.set(n);
    }

    public void failNextReadiness(int n) {
        failNextReadiness.set(n);
    }

    public void failNextReverts(int n) {
        failNextReverts.set(n);
    }

    public void failNextDestroys(int n) {
        failNextDestroys.set(n);
    }

    public int maxBootsInFlight() {
        return maxBootsInFlight.get();
    }

    public int bootsInFlight() {
        return bootsInFlight.get();
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public VmSpec baseSpec() {
        return new VmSpec("memory-image", 256, 1, 1, new ScreenSize(1280, 720), Map.of());
    }

    @Override
    public Duration defaultReadyTimeout() {
        return Duration.ofSeconds(30);
    }

    @Override
    public String defaultSnapshot() {
        return SNAPSHOT;
    }

    @Override
    public VmHandle launch(String vmId, VmSpec spec) {
        launches.incrementAndGet();
        if (take(failNextLaunches)) {
            throw new DeskpoolException(ErrorCode.BOOT_FAILED, "launch of " + vmId + " failed on demand");
        }
        var labels = new HashMap<>(spec.labels());
        labels.put(VmLabels.OWNER, owner);
        labels.put(VmLabels.VM_ID, vmId);
        VmHandle handle = new VmHandle(vmId, name(), "mem-" + vmId, java.util.Optional.empty(), labels, clock.instant());
        backend.vms.put(vmId, new InMemoryBackend.Vm(handle));
        return handle;
    }

    @Override
    public VmHandle awaitReady(VmHandle vm, Duration timeout) {
        int now = bootsInFlight.incrementAndGet();
        maxBootsInFlight.accumulateAndGet(now, Math::max);
        try {
            Semaphore gate = bootGate;
            if (gate != null && !gate.tryAcquire(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new DeskpoolException(ErrorCode.READY_TIMEOUT, "VM " + vm.id() + " did not become ready within " + timeout);
            }
            if (!bootDelay.isZero()) {
                Thread.sleep(bootDelay.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeskpoolException(ErrorCode.READY_TIMEOUT, "interrupted", e);
        } finally {
            bootsInFlight.decrementAndGet();
        }
        if (take(failNextReadiness)) {
            throw new DeskpoolException(ErrorCode.READY_TIMEOUT, "VM " + vm.id() + " never became ready (on demand)");
        }
        requireLive(vm).ready = true;
        return vm.withEndpoints(new VmEndpoints("127.0.0.1", 5000, 9222, 8006, 8080));
    }

    @Override
    public RevertResult revert(VmHandle vm, String snapshot) {
        reverts.incrementAndGet();
        if (!SNAPSHOT.equals(snapshot)) {
            throw new DeskpoolException(ErrorCode.UNKNOWN_SNAPSHOT, "VM " + vm.id() + " has no snapshot '" + snapshot
                    + "' (it has: " + SNAPSHOT + ")");
        }
        if (take(failNextReverts)) {
            throw new DeskpoolException(ErrorCode.REVERT_FAILED, "revert of " + vm.id() + " failed on demand");
        }
        InMemoryBackend.Vm v = requireLive(vm);
        v.dirty = false;
        v.reverts++;
        VmHandle h = vm.endpoints().isPresent() ? vm : vm.withEndpoints(new VmEndpoints("127.0.0.1", 5000, 9222, 8006, 8080));
        return new RevertResult(h, RevertPath.SNAPSHOT, Duration.ZERO);
    }

    @Override
    public ForkSupport forkSupport() {
        String refusal = forkRefusal;
        return refusal == null ? ForkSupport.supported("copies map entries") : ForkSupport.unsupported(refusal);
    }

    /** Copies carry the parent's state (its dirt); all or nothing, like a real provider's fork. */
    @Override
    public List<VmHandle> fork(ForkRequest request) {
        forks.incrementAndGet();
        if (forkRefusal != null) {
            throw new DeskpoolException(ErrorCode.UNSUPPORTED_BY_PROVIDER, forkRefusal);
        }
        InMemoryBackend.Vm parent = requireLive(request.parent());
        var copies = new java.util.ArrayList<VmHandle>();
        for (String id : request.childIds()) {
            var labels = new HashMap<>(parent.handle.labels());
            labels.putAll(request.labels());
            labels.put(VmLabels.VM_ID, id);
            labels.put(VmLabels.FORKED_FROM, request.parent().id());
            VmHandle h = new VmHandle(id, name(), "mem-" + id, java.util.Optional.of(
                    new VmEndpoints("127.0.0.1", 5000, 9222, 8006, 8080)), labels, clock.instant());
            InMemoryBackend.Vm copy = new InMemoryBackend.Vm(h);
            copy.dirty = parent.dirty;
            backend.vms.put(id, copy);
            copies.add(h);
        }
        try {
            Semaphore gate = forkGate;
            if (gate != null && !gate.tryAcquire(request.readyTimeout().toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new DeskpoolException(ErrorCode.READY_TIMEOUT, "the copies were not ready in time");
            }
            if (take(failNextForks)) {
                throw new DeskpoolException(ErrorCode.PROVIDER_ERROR, "fork of " + request.parent().id()
                        + " failed on demand");
            }
        } catch (InterruptedException | DeskpoolException e) {
            request.childIds().forEach(backend.vms::remove);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new DeskpoolException(ErrorCode.READY_TIMEOUT, "interrupted", e);
            }
            throw (DeskpoolException) e;
        }
        // A copy killed meanwhile stays gone; the caller learns of it from its exit report or health check.
        copies.stream().map(h -> backend.vms.get(h.id())).filter(java.util.Objects::nonNull).forEach(v -> v.ready = true);
        return copies;
    }

    @Override
    public void destroy(VmHandle vm) {
        destroys.incrementAndGet();
        if (take(failNextDestroys)) {
            throw new DeskpoolException(ErrorCode.STOP_FAILED, "destroy of " + vm.id() + " failed on demand");
        }
        backend.vms.remove(vm.id());
    }

    @Override
    public VmHealth checkHealth(VmHandle vm, Duration timeout) {
        healthChecks.incrementAndGet();
        InMemoryBackend.Vm v = backend.vms.get(vm.id());
        if (v == null) {
            return VmHealth.gone("VM " + vm.id() + " does not exist");
        }
        if (v.frozen || take(v.unresponsiveChecks)) {
            return VmHealth.unresponsive("VM " + vm.id() + " did not answer within " + timeout.toMillis() + " ms");
        }
        return VmHealth.healthy("answers");
    }

    @Override
    public boolean watchExits(Consumer<VmExit> listener) {
        if (!reportsExits) {
            return false;
        }
        this.exitListener = listener;
        return true;
    }

    @Override
    public List<VmHandle> listOwned() {
        return backend.vms.values().stream()
                .map(v -> v.handle)
                .filter(h -> owner.equals(h.labels().get(VmLabels.OWNER)))
                .toList();
    }

    /** The VM as the backend holds it; fails if it was destroyed. */
    public InMemoryBackend.Vm requireLive(VmHandle vm) {
        InMemoryBackend.Vm v = backend.vms.get(vm.id());
        if (v == null) {
            throw new DeskpoolException(ErrorCode.UNKNOWN_VM, "VM " + vm.id() + " is gone");
        }
        return v;
    }

    public Set<String> liveVmIds() {
        return Set.copyOf(backend.vms.keySet());
    }

    private static boolean take(AtomicInteger counter) {
        return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    /** The "hypervisor": survives a provider (and pool) being recreated, like real VMs survive a server restart. */
    public static final class InMemoryBackend {
        public final Map<String, Vm> vms = new ConcurrentHashMap<>();

        public static final class Vm {
            public final VmHandle handle;
            public volatile boolean ready;
            public volatile boolean dirty;
            public volatile int reverts;
            public volatile boolean frozen;
            final AtomicInteger unresponsiveChecks = new AtomicInteger();

            Vm(VmHandle handle) {
                this.handle = handle;
            }
        }
    }
}
