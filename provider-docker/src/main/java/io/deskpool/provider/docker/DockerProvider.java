package io.deskpool.provider.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Statistics;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.guest.GuestClock;
import io.deskpool.core.probe.Probes;
import io.deskpool.core.probe.ReadinessProbe;
import io.deskpool.core.probe.ReadinessWaiter;
import io.deskpool.core.qemu.SnapshotEngine;
import io.deskpool.core.spi.ForkRequest;
import io.deskpool.core.spi.ForkSupport;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.ProviderContext;
import io.deskpool.core.spi.ResourceStats;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.RevertResult;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmExit;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmHealth;
import io.deskpool.core.spi.VmLabels;
import io.deskpool.core.spi.VmSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * VMs as containers of the OSWorld Docker image (QEMU inside) on a Docker engine. Each VM is one container,
 * named and labelled after the VM, booting the qcow2 bind-mounted read-only at {@code /System.qcow2}.
 *
 * <p>Revert first tries the fast path: the container's QEMU was started with a QMP socket in a bind-mounted
 * host folder and {@code -snapshot}, so once the VM was first ready a {@code savevm clean} was taken, and a
 * revert is {@code loadvm clean}, a guest clock resync and a fresh readiness probe. When that is off, missing or
 * fails, the container is removed (with its volumes) and created again under the same VM id: a full boot.
 */
public final class DockerProvider implements Provider {
    public static final String NAME = "docker";
    public static final String SNAPSHOT = "clean";

    private static final Logger log = LoggerFactory.getLogger(DockerProvider.class);
    private static final Map<String, Boolean> KVM_VERDICTS = new ConcurrentHashMap<>();
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration RESTORED_READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STATE_TIMEOUT = Duration.ofMinutes(5);

    private final DockerConfig config;
    private final ProviderContext context;
    private final DockerEngine engine;
    private final ImageSupply images;
    private final VmContainers containers;
    private final ContainerSnapshots snapshots;
    private final DockerForker forker;
    private final QmpFolders qmpFolders;
    private final ReadinessProbe probe = Probes.desktop();
    private final ReadinessWaiter waiter = ReadinessWaiter.standard();
    private final Map<String, VmSpec> specs = new ConcurrentHashMap<>();
    private final DockerExitWatch exitWatch;
    private final DockerHealthCheck healthCheck;
    private final ContainerFirewall firewall;
    private volatile boolean kvmInUse;

    DockerProvider(DockerConfig config, ProviderContext context, DockerEngine engine) {
        this.config = requireNonNull(config, "config is null");
        this.context = requireNonNull(context, "context is null");
        this.engine = requireNonNull(engine, "engine is null");
        this.images = new ImageSupply(engine, config.pullTimeout());
        this.containers = new VmContainers(engine, config, context.ownerId());
        this.snapshots = new ContainerSnapshots(new SnapshotEngine(new GuestClock(config.clockSyncCommand(),
                context.clock()), probe, STATE_TIMEOUT), QMP_TIMEOUT);
        this.qmpFolders = new QmpFolders(context.stateDir());
        this.forker = new DockerForker(this, snapshots, QMP_TIMEOUT);
        this.exitWatch = new DockerExitWatch(engine, containers, context.ownerId());
        this.healthCheck = new DockerHealthCheck(containers, config.endpointHost());
        this.firewall = new ContainerFirewall(config.allowedInternal());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public VmSpec baseSpec() {
        return new VmSpec(config.image(), config.memoryMb(), config.cpus(), config.diskGb(), config.screen(), Map.of());
    }

    @Override
    public Duration defaultReadyTimeout() {
        return config.readyTimeout();
    }

    @Override
    public String defaultSnapshot() {
        return SNAPSHOT;
    }

    @Override
    public boolean hardwareAccelerated() {
        return kvmInUse;
    }

    @Override
    public VmHandle launch(String vmId, VmSpec spec) {
        return launch(vmId, spec, List.of());
    }

    /** Launches a VM whose QEMU gets {@code extraQemuArgs} after the provider's own (through ARGUMENTS). */
    VmHandle launch(String vmId, VmSpec spec, List<String> extraQemuArgs) {
        requireNonNull(vmId, "vmId is null");
        requireNonNull(spec, "spec is null");
        String image = spec.image().isBlank() ? config.image() : spec.image();
        images.ensure(image);
        boolean kvm = kvm(image);
        Optional<Path> qmpDir = config.fastRevert() ? qmpFolders.create(vmId) : Optional.empty();
        String id;
        try {
            id = createAndStart(vmId, spec, image, kvm, qmpDir, extraQemuArgs);
        } catch (RuntimeException e) {
            qmpDir.ifPresent(QmpFolders::delete);
            throw e;
        }
        try {
            InspectContainerResponse info = containers.inspect(id).orElseThrow(() -> new DeskpoolException(
                    ErrorCode.BOOT_FAILED, "VM " + vmId + ": container " + id + " vanished right after it started"));
            if (config.isolateGuests()) {
                // Before the guest has booted far enough to send anything, and before anyone gets the VM.
                firewall.apply(vmId, id, info.getState().getPidLong() == null ? 0 : info.getState().getPidLong());
            }
            specs.put(vmId, spec);
            exitWatch.watch(vmId, id);
            return new VmHandle(vmId, NAME, id, PublishedPorts.of(info, config.endpointHost()), info.getConfig().getLabels(),
                    context.clock().instant());
        } catch (RuntimeException e) {
            containers.remove(id);
            qmpDir.ifPresent(QmpFolders::delete);
            throw e;
        }
    }

    /** Creates the container; an image removed from the engine since it was checked is fetched again, once. */
    private String createAndStart(String vmId, VmSpec spec, String image, boolean kvm, Optional<Path> qmpDir,
                                  List<String> extraQemuArgs) {
        try {
            return containers.createAndStart(vmId, spec, kvm, qmpDir, extraQemuArgs);
        } catch (DeskpoolException e) {
            if (!"404".equals(e.details().get("httpStatus"))) {
                throw e;
            }
            log.info("VM {}: image {} is no longer on the engine ({}); fetching it again", vmId, image, e.getMessage());
            images.forget(image);
            images.ensure(image);
            return containers.createAndStart(vmId, spec, kvm, qmpDir, extraQemuArgs);
        }
    }

    @Override
    public VmHandle awaitReady(VmHandle vm, Duration timeout) {
        VmEndpoints endpoints = currentEndpoints(vm);
        try {
            waiter.await(vm.id(), probe, endpoints, timeout, () -> deathOf(vm.backendId()));
        } catch (DeskpoolException e) {
            if (e.code() == ErrorCode.READY_TIMEOUT) {
                throw new DeskpoolException(e.code(), e.getMessage() + "; container output: "
                        + ContainerLogs.tail(engine, vm.backendId(), 5), e.details(), e);
            }
            throw e;
        }
        QmpFolders.socketOf(vm).ifPresent(socket -> {
            saveSnapshot(vm.id(), socket);
            forker.learn(vm, imageOf(vm), socket);
        });
        return vm.withEndpoints(endpoints);
    }

    @Override
    public RevertResult revert(VmHandle vm, String snapshot) {
        long start = System.nanoTime();
        if (!SNAPSHOT.equals(snapshot)) {
            return new RevertResult(loadNamedSnapshot(vm, snapshot), RevertPath.SNAPSHOT, since(start));
        }
        if (config.fastRevert()) {
            Optional<String> failure;
            VmHandle restored = vm;
            try {
                restored = vm.withEndpoints(currentEndpoints(vm));
                failure = restoreSnapshot(restored, SNAPSHOT);
            } catch (RuntimeException e) {
                failure = Optional.of(e.getMessage());
            }
            if (failure.isEmpty()) {
                log.info("VM {} reverted to '{}' by snapshot restore in {} ms", vm.id(), SNAPSHOT, since(start).toMillis());
                return new RevertResult(restored, RevertPath.SNAPSHOT, since(start));
            }
            log.warn("VM {}: snapshot restore failed ({}); recreating its container instead", vm.id(), failure.get());
        }
        VmHandle fresh = recreate(vm);
        log.info("VM {} reverted by recreating its container in {} ms", vm.id(), since(start).toMillis());
        return new RevertResult(fresh, RevertPath.RECREATED, since(start));
    }

    @Override
    public ForkSupport forkSupport() {
        return config.fastRevert() ? forker.support(config.image()) : ForkSupport.unsupported("DOCKER_FAST_REVERT=false: "
                + "the VM containers' QEMU has no QMP socket to save its state through");
    }

    @Override
    public List<VmHandle> fork(ForkRequest request) {
        if (!config.fastRevert()) {
            throw new DeskpoolException(ErrorCode.UNSUPPORTED_BY_PROVIDER, forkSupport().reason());
        }
        forker.requireForkable(request.parent(), imageOf(request.parent()));
        VmHandle parent = request.parent().withEndpoints(currentEndpoints(request.parent()));
        VmSpec spec = specs.getOrDefault(parent.id(), baseSpec().withLabels(userLabels(parent.labels())));
        return forker.fork(parent, spec, request);
    }

    /** The image the VM's container was launched from (as its spec said; the provider's for adopted VMs). */
    private String imageOf(VmHandle vm) {
        VmSpec spec = specs.get(vm.id());
        return spec == null || spec.image().isBlank() ? config.image() : spec.image();
    }

    /** The labels a copy of {@code parent} starts with: the parent's own, not the provider's. */
    static Map<String, String> labelsOfCopy(VmHandle parent) {
        return userLabels(parent.labels());
    }

    @Override
    public void destroy(VmHandle vm) {
        removeContainersOf(vm);
        QmpFolders.of(vm).ifPresent(QmpFolders::delete);
        specs.remove(vm.id());
        log.info("VM {} destroyed (container and volumes removed)", vm.id());
    }

    @Override
    public List<VmHandle> listOwned() {
        List<VmHandle> owned = containers.owned().stream().map(this::handleOf).toList();
        owned.stream().filter(h -> h.endpoints().isPresent()).forEach(h -> exitWatch.watch(h.id(), h.backendId()));
        return owned;
    }

    /** Reports containers that die without this provider removing them, from the engine's {@code die} events. */
    @Override
    public boolean watchExits(Consumer<VmExit> listener) {
        exitWatch.start(listener);
        return true;
    }

    /** See {@link DockerHealthCheck}: the container, the QEMU inside over QMP, then the in-VM server. */
    @Override
    public VmHealth checkHealth(VmHandle vm, Duration timeout) {
        return healthCheck.of(vm, timeout);
    }

    @Override
    public List<VmHandle> listForeign() {
        return containers.foreign().stream().map(this::handleOf).toList();
    }

    @Override
    public ResourceStats stats(VmHandle vm) {
        CompletableFuture<Statistics> first = new CompletableFuture<>();
        var callback = new ResultCallback.Adapter<Statistics>() {
            @Override
            public void onNext(Statistics s) {
                first.complete(s);
            }

            @Override
            public void onError(Throwable t) {
                first.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                first.completeExceptionally(new IllegalStateException("the engine sent no sample"));
            }
        };
        ResultCallback.Adapter<Statistics> running = null;
        try {
            running = engine.call("reading stats of VM " + vm.id(), () ->
                    engine.client().statsCmd(vm.backendId()).withNoStream(true).exec(callback));
            return ContainerStats.of(first.get(15, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ResourceStats.UNKNOWN;
        } catch (Exception e) {
            log.debug("No stats for VM {}: {}", vm.id(), e.getMessage());
            return ResourceStats.UNKNOWN;
        } finally {
            closeQuietly(running);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // the sample is taken or abandoned either way
        }
    }

    @Override
    public void close() {
        exitWatch.close();
        healthCheck.close();
        engine.close();
    }

    // ---- fast path ---------------------------------------------------------------------------------------

    private void saveSnapshot(String vmId, Path socket) {
        long start = System.nanoTime();
        Optional<String> failure = snapshots.save(socket, SNAPSHOT);
        if (failure.isEmpty()) {
            log.info("VM {}: snapshot '{}' saved in {} ms", vmId, SNAPSHOT, since(start).toMillis());
        } else {
            log.warn("VM {}: saving snapshot '{}' failed ({}); its reverts will recreate the container", vmId, SNAPSHOT,
                    failure.get());
        }
    }

    /** Loads a snapshot, resyncs the guest clock and waits for the probes; empty = done, else why not. */
    private Optional<String> restoreSnapshot(VmHandle vm, String snapshot) {
        Optional<Path> socket = QmpFolders.socketOf(vm);
        if (socket.isEmpty()) {
            return Optional.of("the container has no QMP socket (started without fast revert)");
        }
        return snapshots.restore(socket.get(), snapshot, guest(vm), min(RESTORED_READY_TIMEOUT, config.readyTimeout()));
    }

    /** The VM as the snapshot engine settles it after its state was replaced. */
    SnapshotEngine.Guest guest(VmHandle vm) {
        InspectContainerResponse info = containers.inspect(vm.backendId()).orElseThrow(() -> new DeskpoolException(
                ErrorCode.UNKNOWN_VM, "VM " + vm.id() + ": its container " + vm.backendId() + " is gone"));
        return snapshots.guest(vm, vm.requireEndpoints(), info, this::deathOf);
    }

    /** A snapshot other than the clean one exists only if someone saved it in this QEMU; no fallback can make it. */
    private VmHandle loadNamedSnapshot(VmHandle vm, String snapshot) {
        Optional<Path> socket = QmpFolders.socketOf(vm);
        Set<String> known = Set.of();
        if (socket.isPresent()) {
            try {
                known = snapshots.list(socket.get());
            } catch (IOException e) {
                throw new DeskpoolException(ErrorCode.REVERT_FAILED, "VM " + vm.id() + ": listing its snapshots over "
                        + "QMP failed: " + e.getMessage(), e);
            }
        }
        if (!known.contains(snapshot)) {
            throw new DeskpoolException(ErrorCode.UNKNOWN_SNAPSHOT, "VM " + vm.id() + " has no snapshot '" + snapshot
                    + "' (it has: " + (known.isEmpty() ? SNAPSHOT : String.join(", ", known)) + ")");
        }
        VmHandle restored = vm.withEndpoints(currentEndpoints(vm));
        restoreSnapshot(restored, snapshot).ifPresent(why -> {
            throw new DeskpoolException(ErrorCode.REVERT_FAILED, "VM " + vm.id() + ": " + why);
        });
        return restored;
    }

    // ---- fallback ----------------------------------------------------------------------------------------

    /** Removes the VM's container(s) with their volumes and boots a new one under the same VM id and labels. */
    private VmHandle recreate(VmHandle vm) {
        removeContainersOf(vm);
        VmSpec spec = specs.getOrDefault(vm.id(), baseSpec().withLabels(userLabels(vm.labels())));
        VmHandle fresh = launch(vm.id(), spec);
        try {
            return awaitReady(fresh, config.readyTimeout());
        } catch (DeskpoolException e) {
            throw new DeskpoolException(ErrorCode.REVERT_FAILED, "VM " + vm.id() + ": the recreated container did not "
                    + "become ready: " + e.getMessage(), e.details(), e);
        }
    }

    private void removeContainersOf(VmHandle vm) {
        List<String> ids = Stream.concat(Stream.of(vm.backendId()), containers.ofVm(vm.id()).stream().map(Container::getId))
                .distinct().toList();
        for (String id : ids) {
            exitWatch.forget(id);
            containers.remove(id);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private boolean kvm(String image) {
        boolean verdict = switch (config.kvm()) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> KVM_VERDICTS.computeIfAbsent(engine.host() + " " + image,
                    k -> new KvmProbe(engine).works(image, qmpFolders.root()));
        };
        kvmInUse = verdict;
        return verdict;
    }

    VmEndpoints currentEndpoints(VmHandle vm) {
        InspectContainerResponse info = containers.inspect(vm.backendId()).orElseThrow(() -> new DeskpoolException(
                ErrorCode.UNKNOWN_VM, "VM " + vm.id() + ": its container " + vm.backendId() + " is gone"));
        return PublishedPorts.of(info, config.endpointHost()).orElseThrow(() -> new DeskpoolException(
                ErrorCode.BOOT_FAILED, "VM " + vm.id() + ": its container is not running (" + stateOf(info) + "): "
                + ContainerLogs.tail(engine, vm.backendId(), 5)));
    }

    /** Why the container can no longer become ready, or empty while it runs. */
    Optional<String> deathOf(String containerId) {
        Optional<InspectContainerResponse> info = containers.inspect(containerId);
        if (info.isEmpty()) {
            return Optional.of("its container " + containerId + " was removed");
        }
        if (Boolean.TRUE.equals(info.get().getState().getRunning())) {
            return Optional.empty();
        }
        return Optional.of("its container " + stateOf(info.get()) + ": " + ContainerLogs.tail(engine, containerId, 5));
    }

    private static String stateOf(InspectContainerResponse info) {
        var state = info.getState();
        return state.getStatus() + (state.getExitCodeLong() != null ? ", exit code " + state.getExitCodeLong() : "");
    }

    private VmHandle handleOf(Container c) {
        Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
        String id = labels.getOrDefault(VmLabels.VM_ID,
                c.getNames() != null && c.getNames().length > 0 ? c.getNames()[0].replaceFirst("^/", "") : c.getId());
        Instant created = c.getCreated() == null ? Instant.EPOCH : Instant.ofEpochSecond(c.getCreated());
        return new VmHandle(id, NAME, c.getId(), PublishedPorts.of(c, config.endpointHost()), labels, created);
    }

    /** The labels a spec contributed: everything but the ones this provider sets itself. */
    private static Map<String, String> userLabels(Map<String, String> labels) {
        var user = new java.util.HashMap<>(labels);
        user.remove(VmLabels.OWNER);
        user.remove(VmLabels.VM_ID);
        user.remove(VmContainers.PROVIDER_LABEL);
        user.remove(VmContainers.QMP_DIR_LABEL);
        return user;
    }

    Duration readyTimeout() {
        return config.readyTimeout();
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
