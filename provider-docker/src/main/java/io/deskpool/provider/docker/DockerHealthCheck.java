package io.deskpool.provider.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import io.deskpool.core.probe.ProbeResult;
import io.deskpool.core.probe.Probes;
import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmHealth;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One health check of a VM container, cheapest first, within the timeout: the container as the engine sees it
 * (removed or exited is gone; paused is unresponsive), the QEMU inside over its QMP socket when it has one, then
 * the in-VM server's {@code GET /platform}. An engine that does not answer in time makes the VM unresponsive:
 * its containers usually go down with it.
 */
final class DockerHealthCheck implements AutoCloseable {
    private final VmContainers containers;
    private final String endpointHost;
    private final ExecutorService engineCalls = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "docker-health");
        t.setDaemon(true);
        return t;
    });

    DockerHealthCheck(VmContainers containers, String endpointHost) {
        this.containers = containers;
        this.endpointHost = endpointHost;
    }

    VmHealth of(VmHandle vm, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Optional<InspectContainerResponse> info;
        CompletableFuture<Optional<InspectContainerResponse>> call =
                CompletableFuture.supplyAsync(() -> containers.inspect(vm.backendId()), engineCalls);
        try {
            info = call.get(left(deadline).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            return VmHealth.unresponsive("the Docker engine did not answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            return VmHealth.unresponsive("the Docker engine could not be asked: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return VmHealth.healthy("not checked: interrupted");
        }
        if (info.isEmpty()) {
            return VmHealth.gone("its container " + vm.backendId() + " was removed");
        }
        var state = info.get().getState();
        if (Boolean.TRUE.equals(state.getPaused())) {
            return VmHealth.unresponsive("its container is paused");
        }
        if (!Boolean.TRUE.equals(state.getRunning())) {
            return VmHealth.gone("its container " + state.getStatus() + " (exit code " + state.getExitCodeLong() + ")");
        }
        Optional<Path> socket = QmpFolders.socketOf(vm);
        if (socket.isPresent()) {
            try (QmpClient qmp = QmpClient.connect(socket.get(), left(deadline), () -> true)) {
                String status = qmp.execute("query-status", Map.of(), left(deadline)).path("status").asText("");
                if (!"running".equals(status)) {
                    return VmHealth.unresponsive("the QEMU in its container says the guest is '" + status + "'");
                }
            } catch (QmpClient.QmpException e) {
                return VmHealth.unresponsive("the QEMU in its container did not answer on QMP: " + e.getMessage());
            }
        }
        Optional<VmEndpoints> endpoints = PublishedPorts.of(info.get(), endpointHost).or(vm::endpoints);
        if (endpoints.isEmpty()) {
            return VmHealth.unresponsive("its container publishes no ports");
        }
        ProbeResult guest = Probes.platform().check(endpoints.get(), left(deadline));
        return guest.passed() ? VmHealth.healthy("container running; " + guest.detail())
                : VmHealth.unresponsive("the in-VM server did not answer GET /platform: " + guest.detail());
    }

    private static Duration left(long deadlineNanos) {
        return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
    }

    @Override
    public void close() {
        engineCalls.shutdownNow();
    }
}
