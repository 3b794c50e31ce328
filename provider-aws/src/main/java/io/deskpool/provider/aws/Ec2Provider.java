package io.deskpool.provider.aws;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.spi.ForkSupport;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.RevertResult;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmHealth;
import io.deskpool.core.spi.VmLabels;
import io.deskpool.core.spi.VmSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * VMs as native EC2 instances booted from the OSWorld AMI in the host's subnet. Each instance carries Deskpool's
 * tags, ends itself at its TTL, and is reverted by replacing its root volume from the launch image (same
 * instance, same IP), or, when that is not possible, by terminating it and launching a new one.
 */
public final class Ec2Provider implements Provider {
    public static final String NAME = "aws";
    /** The snapshot every instance has: the image it was launched from. */
    public static final String LAUNCH_IMAGE = "launch-image";
    /** OSWorld's default snapshot name, accepted as a synonym of {@link #LAUNCH_IMAGE}. */
    static final String OSWORLD_SNAPSHOT = "init_state";
    static final Duration DEFAULT_READY_TIMEOUT = Duration.ofMinutes(10);
    private static final Logger log = LoggerFactory.getLogger(Ec2Provider.class);

    private final Ec2ProviderConfig config;
    private final Ec2Client ec2;
    private final Ec2Retry retry;
    private final Ec2Instances instances;
    private final RootVolumeReplacement replacement;
    private final ExpirySweeper sweeper;
    private final String ownerId;
    private final Clock clock;
    private final AutoCloseable credentials;
    private final InstanceReadiness readiness;
    private volatile ScheduledExecutorService sweepThread;

    Ec2Provider(Ec2ProviderConfig config, Ec2Client ec2, Ec2Retry retry, String ownerId, Clock clock,
                Ec2Retry.Pause pause, AutoCloseable credentials) {
        this.config = requireNonNull(config, "config is null");
        this.ec2 = requireNonNull(ec2, "ec2 is null");
        this.retry = requireNonNull(retry, "retry is null");
        this.ownerId = requireNonNull(ownerId, "ownerId is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.credentials = requireNonNull(credentials, "credentials is null");
        this.instances = new Ec2Instances(ec2, retry);
        this.replacement = new RootVolumeReplacement(ec2, retry, config.statePoll(), pause);
        this.sweeper = new ExpirySweeper(instances, clock);
        this.readiness = new InstanceReadiness(instances, config, pause);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Forking is not offered: see the reason (also in the module README). */
    @Override
    public ForkSupport forkSupport() {
        return ForkSupport.unsupported("EC2 cannot copy a running instance's memory into new instances. The nearest "
                + "it offers is an AMI made from the instance (CreateImage), which captures the disk only (and reboots "
                + "the instance unless NoReboot is set), so each copy would boot instead of continuing where the parent "
                + "was");
    }

    @Override
    public VmSpec baseSpec() {
        return new VmSpec(config.ami().value(), config.memoryMb(), config.cpus(), config.rootVolumeGb(), config.screen(),
                Map.of());
    }

    @Override
    public Duration defaultReadyTimeout() {
        return DEFAULT_READY_TIMEOUT;
    }

    @Override
    public String defaultSnapshot() {
        return LAUNCH_IMAGE;
    }

    @Override
    public VmHandle launch(String vmId, VmSpec spec) {
        String image = spec.image().isBlank() ? config.ami().value() : spec.image();
        Optional<Instant> expiresAt = config.ttl().map(clock.instant()::plus);
        Map<String, String> tags = InstanceTags.forLaunch(ownerId, vmId, spec.labels(), expiresAt);
        var request = LaunchRequests.forVm(config, image, spec.diskGb(), tags, expiresAt, "deskpool-" + UUID.randomUUID());
        log.info("VM {}: launching a {} instance from {} in {}{}", vmId, config.instanceType(), image,
                config.placement().subnetId().value(), expiresAt.map(at -> ", expiring at " + at).orElse(", no TTL"));
        try {
            Instance instance = retry.launch("RunInstances", () -> ec2.runInstances(request)).instances().stream()
                    .findFirst().orElseThrow(() -> new DeskpoolException(ErrorCode.BOOT_FAILED,
                            "EC2 RunInstances for VM " + vmId + " returned no instance"));
            log.info("VM {}: instance {} is {}", vmId, instance.instanceId(), instance.state().nameAsString());
            return handleOf(vmId, instance, tags);
        } catch (RuntimeException e) {
            removeLeftovers(vmId, e);
            throw e;
        }
    }

    /** After a failed launch: terminates whatever carries this VM's tags (a launch whose answer was lost). */
    private void removeLeftovers(String vmId, RuntimeException failure) {
        try {
            for (Instance left : instances.live(Ec2Instances.tag(VmLabels.OWNER, ownerId),
                    Ec2Instances.tag(VmLabels.VM_ID, vmId))) {
                instances.terminate(left.instanceId());
                log.warn("VM {}: terminated instance {} left by the failed launch", vmId, left.instanceId());
            }
        } catch (RuntimeException cleanup) {
            log.warn("VM {}: could not check for instances left by the failed launch: {}", vmId, cleanup.getMessage());
            failure.addSuppressed(cleanup);
        }
    }

    @Override
    public VmHandle awaitReady(VmHandle vm, Duration timeout) {
        return readiness.await(vm, timeout);
    }

    /**
     * Probe only: the in-VM server's {@code GET /platform} (a stopped or terminated instance stops answering it).
     * EC2 has no push channel for instance state short of EventBridge rules and a queue this server does not set
     * up, so {@link #watchExits} is not offered; and asking DescribeInstances for every VM every health interval
     * would spend the account's API rate limit, shared with launches and reverts, on a question the probe answers.
     */
    @Override
    public VmHealth checkHealth(VmHandle vm, Duration timeout) {
        return readiness.health(vm, timeout);
    }

    @Override
    public RevertResult revert(VmHandle vm, String snapshot) {
        long start = System.nanoTime();
        Optional<Instance> current = instances.find(vm.backendId()).filter(Ec2Instances::isLive);
        String image = imageFor(vm, snapshot, current);
        String why;
        if (current.isEmpty()) {
            why = "its instance " + vm.backendId() + " is gone";
        } else {
            Instance instance = current.get();
            Optional<String> relaunchReason = reasonToRelaunch(instance, config.ttl(), clock.instant());
            if (relaunchReason.isEmpty()) {
                long deadline = start + config.readyTimeout().toNanos();
                try {
                    replacement.replace(vm.id(), instance.instanceId(), image, deadline);
                    VmHandle ready = readiness.await(vm.withBackendId(instance.instanceId()),
                            Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                    return new RevertResult(ready, RevertPath.ROOT_VOLUME_REPLACED,
                            Duration.ofNanos(System.nanoTime() - start));
                } catch (RootVolumeReplacement.NotPossible e) {
                    why = e.getMessage();
                } catch (DeskpoolException e) {
                    why = "the instance did not come back on its new root volume: " + e.getMessage();
                }
            } else {
                why = relaunchReason.get();
            }
        }
        log.info("VM {}: reverting by relaunch from {} ({})", vm.id(), image, why);
        VmHandle fresh = relaunch(vm, image);
        return new RevertResult(fresh, RevertPath.RECREATED, Duration.ofNanos(System.nanoTime() - start));
    }

    private String imageFor(VmHandle vm, String snapshot, Optional<Instance> current) {
        String s = snapshot == null ? "" : snapshot.trim();
        if (s.isEmpty() || s.equals(LAUNCH_IMAGE) || s.equals(OSWORLD_SNAPSHOT)) {
            return current.map(Instance::imageId).filter(id -> !id.isBlank()).orElse(config.ami().value());
        }
        if (s.startsWith("ami-")) {
            return s;
        }
        throw new DeskpoolException(ErrorCode.UNKNOWN_SNAPSHOT, "VM " + vm.id() + " has no snapshot '" + s + "': EC2 VMs "
                + "revert to the image they were launched from ('" + LAUNCH_IMAGE + "') or to an AMI id (ami-...)");
    }

    /**
     * Why this instance should be replaced by a new one rather than get a new root volume, if it should: only a
     * running instance can get one, and an instance near the end of its TTL needs a new deadline, which only a new
     * instance gets (the guest powers off at the deadline its user data holds).
     */
    static Optional<String> reasonToRelaunch(Instance instance, Optional<Duration> ttl, Instant now) {
        if (instance.state().name() != InstanceStateName.RUNNING) {
            return Optional.of("its instance is " + instance.state().nameAsString()
                    + " and only a running instance can get a new root volume");
        }
        if (ttl.isPresent()) {
            // The next lease needs time: half the TTL, at most 30 minutes.
            Duration half = ttl.get().dividedBy(2);
            Duration margin = half.compareTo(Duration.ofMinutes(30)) < 0 ? half : Duration.ofMinutes(30);
            Optional<Instant> expires = InstanceTags.expiresAt(InstanceTags.toMap(instance.tags()));
            if (expires.isPresent() && expires.get().isBefore(now.plus(margin))) {
                return Optional.of("its TTL ends at " + expires.get() + ", so a new instance renews it");
            }
        }
        return Optional.empty();
    }

    private VmHandle relaunch(VmHandle vm, String image) {
        destroy(vm);
        VmSpec spec = baseSpec().withImage(image).withLabels(InstanceTags.carriedOver(vm.labels()));
        VmHandle launched = launch(vm.id(), spec);
        try {
            return readiness.await(launched, config.readyTimeout());
        } catch (RuntimeException e) {
            try {
                instances.terminate(launched.backendId());
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    @Override
    public void destroy(VmHandle vm) {
        // The handle's instance by id (a tag filter may not see an instance launched a moment ago), and whatever
        // else carries the VM id: a relaunch that was cut short may have left a second instance.
        var ids = new LinkedHashSet<String>();
        instances.find(vm.backendId()).filter(Ec2Instances::isLive).ifPresent(i -> ids.add(i.instanceId()));
        instances.live(Ec2Instances.tag(VmLabels.OWNER, ownerId), Ec2Instances.tag(VmLabels.VM_ID, vm.id()))
                .forEach(i -> ids.add(i.instanceId()));
        for (String id : ids) {
            if (instances.terminate(id)) {
                log.info("VM {}: terminated instance {}", vm.id(), id);
            }
        }
    }

    @Override
    public List<VmHandle> listOwned() {
        return instances.live(Ec2Instances.tag(VmLabels.OWNER, ownerId)).stream().map(this::handleOf).toList();
    }

    @Override
    public List<VmHandle> listForeign() {
        return instances.live(Ec2Instances.filter("tag-key", VmLabels.OWNER)).stream().map(this::handleOf)
                .filter(h -> !ownerId.equals(h.labels().get(VmLabels.OWNER))).toList();
    }

    /** Terminates every Deskpool instance past its expiry tag and says which; the server may call it any time. */
    public List<SweptInstance> sweepExpired() {
        return sweeper.sweep();
    }

    /** Runs {@link #sweepExpired()} on a background thread every {@code AWS_SWEEP_INTERVAL_SECONDS}. */
    void startSweeper() {
        Duration every = config.sweepInterval();
        if (every.isZero()) {
            return;
        }
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "deskpool-aws-sweeper");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(() -> {
            try {
                sweepExpired();
            } catch (RuntimeException e) {
                log.warn("Expiry sweep failed: {}", e.getMessage());
            }
        }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        sweepThread = thread;
        log.info("Sweeping expired Deskpool instances every {}s", every.toSeconds());
    }

    @Override
    public void close() {
        ScheduledExecutorService thread = sweepThread;
        if (thread != null) {
            thread.shutdownNow();
        }
        ec2.close();
        try {
            credentials.close();
        } catch (Exception e) {
            log.debug("Closing the AWS credentials provider failed: {}", e.getMessage());
        }
    }

    private VmHandle handleOf(Instance instance) {
        Map<String, String> tags = InstanceTags.toMap(instance.tags());
        return handleOf(tags.getOrDefault(VmLabels.VM_ID, instance.instanceId()), instance, tags);
    }

    private VmHandle handleOf(String vmId, Instance instance, Map<String, String> tags) {
        Instant created = instance.launchTime() != null ? instance.launchTime() : clock.instant();
        return new VmHandle(vmId, NAME, instance.instanceId(), readiness.endpointsOf(instance), tags, created);
    }
}
