package io.deskpool.provider.aws;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.probe.ProbeResult;
import io.deskpool.core.probe.Probes;
import io.deskpool.core.probe.ReadinessProbe;
import io.deskpool.core.probe.ReadinessWaiter;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * When an instance is a usable desktop: EC2 says it is running, then the desktop probes (the in-VM server's
 * screenshot and Chrome's DevTools) answer on its private IP, or its public IP with {@code AWS_USE_PUBLIC_IP}.
 */
final class InstanceReadiness {
    /** The OSWorld AMI serves noVNC on 5910 (x11vnc on :5900 behind novnc), not the Docker image's 8006. */
    static final int AMI_VNC_PORT = 5910;
    private static final Duration DEATH_CHECK_INTERVAL = Duration.ofSeconds(15);
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(15);
    private static final Logger log = LoggerFactory.getLogger(InstanceReadiness.class);

    private final Ec2Instances instances;
    private final Ec2ProviderConfig config;
    private final Ec2Retry.Pause pause;
    private final ReadinessProbe probe = Probes.desktop();
    private final ReadinessWaiter waiter = ReadinessWaiter.standard();

    InstanceReadiness(Ec2Instances instances, Ec2ProviderConfig config, Ec2Retry.Pause pause) {
        this.instances = requireNonNull(instances, "instances is null");
        this.config = requireNonNull(config, "config is null");
        this.pause = requireNonNull(pause, "pause is null");
    }

    /** The VM with its instance id and endpoints once it is ready. */
    VmHandle await(VmHandle vm, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Instance instance = awaitRunning(vm, deadline, timeout);
        VmEndpoints endpoints = endpointsOf(instance).orElseThrow(() -> new DeskpoolException(ErrorCode.BOOT_FAILED,
                "VM " + vm.id() + ": instance " + instance.instanceId() + " is running but has no "
                        + (config.usePublicIp() ? "public IP (does the subnet's VPC have an internet gateway?)"
                        : "private IP")));
        VmEndpoints target = probeTarget(endpoints);
        if (!target.equals(endpoints)) {
            log.info("VM {}: probing {} instead of {} ({})", vm.id(), target.host(), endpoints.host(),
                    AwsSettings.READINESS_HOST_OVERRIDE.name());
        }
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        waiter.await(vm.id(), probe, target, left, deathCheck(instance.instanceId()));
        log.info("VM {}: instance {} ready at {} (noVNC http://{}:{}/vnc.html)", vm.id(), instance.instanceId(),
                endpoints.host(), endpoints.host(), AMI_VNC_PORT);
        return vm.withBackendId(instance.instanceId()).withEndpoints(endpoints);
    }

    /** Where the instance's services answer, once it has the IP Deskpool reaches it on. */
    Optional<VmEndpoints> endpointsOf(Instance instance) {
        String ip = config.usePublicIp() ? instance.publicIpAddress() : instance.privateIpAddress();
        return Optional.ofNullable(ip).filter(s -> !s.isBlank()).map(host -> new VmEndpoints(host,
                VmEndpoints.GUEST_SERVER_PORT, VmEndpoints.GUEST_CDP_PORT, AMI_VNC_PORT, VmEndpoints.GUEST_VLC_PORT));
    }

    private Instance awaitRunning(VmHandle vm, long deadline, Duration timeout) {
        long start = System.nanoTime();
        long nextLog = start + PROGRESS_INTERVAL.toNanos();
        while (true) {
            Optional<Instance> found = instances.find(vm.backendId());
            String state = "not visible yet"; // EC2 is eventually consistent right after RunInstances
            if (found.isPresent()) {
                Instance i = found.get();
                if (i.state().name() == InstanceStateName.RUNNING) {
                    return i;
                }
                if (i.state().name() != InstanceStateName.PENDING) {
                    throw new DeskpoolException(ErrorCode.BOOT_FAILED, "VM " + vm.id() + ": instance " + i.instanceId()
                            + " is " + i.state().nameAsString() + " instead of running" + stateReason(i));
                }
                state = "pending";
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                throw new DeskpoolException(ErrorCode.READY_TIMEOUT, "VM " + vm.id() + ": instance " + vm.backendId()
                        + " still " + state + " after " + seconds(now - start) + " (timeout " + timeout.toSeconds() + "s)");
            }
            if (now >= nextLog) {
                log.info("VM {}: instance {} {} after {}", vm.id(), vm.backendId(), state, seconds(now - start));
                nextLog = now + PROGRESS_INTERVAL.toNanos();
            }
            try {
                pause.sleep(config.statePoll());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeskpoolException(ErrorCode.READY_TIMEOUT, "interrupted while waiting for " + vm.backendId(), e);
            }
        }
    }

    /** Lets readiness stop early when the instance died; asks EC2 at most every 15 s (API rate limits). */
    private Supplier<Optional<String>> deathCheck(String instanceId) {
        long[] next = {System.nanoTime() + DEATH_CHECK_INTERVAL.toNanos()};
        return () -> {
            long now = System.nanoTime();
            if (now < next[0]) {
                return Optional.empty();
            }
            next[0] = now + DEATH_CHECK_INTERVAL.toNanos();
            try {
                Optional<Instance> found = instances.find(instanceId);
                if (found.isEmpty()) {
                    return Optional.of("instance " + instanceId + " is gone");
                }
                Instance i = found.get();
                return i.state().name() == InstanceStateName.RUNNING ? Optional.empty()
                        : Optional.of("instance " + instanceId + " is " + i.state().nameAsString() + stateReason(i));
            } catch (DeskpoolException e) {
                return Optional.empty(); // cannot tell now; the probes keep going
            }
        };
    }

    /** The in-VM server's {@code GET /platform} at the VM's address (or the probe override), within {@code timeout}. */
    VmHealth health(VmHandle vm, Duration timeout) {
        if (vm.endpoints().isEmpty()) {
            return VmHealth.unresponsive("VM " + vm.id() + " has no address yet");
        }
        ProbeResult r = Probes.platform().check(probeTarget(vm.endpoints().get()), timeout);
        return r.passed() ? VmHealth.healthy(r.detail())
                : VmHealth.unresponsive("the in-VM server did not answer GET /platform: " + r.detail());
    }

    private VmEndpoints probeTarget(VmEndpoints real) {
        return config.probeOverride().map(o -> o.port() == 0
                ? new VmEndpoints(o.host(), real.serverPort(), real.cdpPort(), real.vncPort(), real.vlcPort())
                : new VmEndpoints(o.host(), o.port(), o.port(), 0, 0)).orElse(real);
    }

    private static String stateReason(Instance i) {
        return i.stateReason() != null && i.stateReason().message() != null ? " (" + i.stateReason().message() + ")" : "";
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1fs", nanos / 1e9);
    }
}
