package io.deskpool.provider.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import io.deskpool.core.spi.VmExit;
import io.deskpool.core.spi.VmLabels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Tells the pool when a VM's container dies without this provider removing it, from the engine's {@code die}
 * events (filtered to our owner label). The event stream breaks when the engine goes away; it is opened again
 * with a short capped backoff, and each time it opens the watched containers are looked at once, so a container
 * that died while nobody listened (an engine restart takes its containers down) is reported too.
 */
final class DockerExitWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DockerExitWatch.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final Duration MAX_RETRY = Duration.ofSeconds(5);

    private final DockerEngine engine;
    private final VmContainers containers;
    private final String ownerId;
    /** Container id to VM id, for the containers whose death is news. */
    private final Map<String, String> watched = new ConcurrentHashMap<>();
    private volatile Consumer<VmExit> listener;
    private volatile Closeable stream;
    private volatile boolean closed;
    private Thread thread;

    DockerExitWatch(DockerEngine engine, VmContainers containers, String ownerId) {
        this.engine = requireNonNull(engine, "engine is null");
        this.containers = requireNonNull(containers, "containers is null");
        this.ownerId = requireNonNull(ownerId, "ownerId is null");
    }

    synchronized void start(Consumer<VmExit> newListener) {
        listener = requireNonNull(newListener, "listener is null");
        if (thread == null) {
            thread = new Thread(this::listen, "docker-exit-watch");
            thread.setDaemon(true);
            thread.start();
        }
    }

    void watch(String vmId, String containerId) {
        watched.put(containerId, vmId);
    }

    /** The provider is about to remove this container itself: its death is no news. */
    void forget(String containerId) {
        watched.remove(containerId);
    }

    private void listen() {
        Duration retry = FIRST_RETRY;
        while (!closed) {
            CountDownLatch ended = new CountDownLatch(1);
            try {
                stream = engine.client().eventsCmd()
                        .withEventTypeFilter(EventType.CONTAINER)
                        .withEventFilter("die")
                        .withLabelFilter(Map.of(VmLabels.OWNER, ownerId))
                        .exec(new ResultCallback.Adapter<Event>() {
                            @Override
                            public void onNext(Event event) {
                                died(event);
                            }

                            @Override
                            public void onError(Throwable t) {
                                ended.countDown();
                            }

                            @Override
                            public void onComplete() {
                                ended.countDown();
                            }
                        });
                sweep();
                retry = FIRST_RETRY;
                ended.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.debug("Docker event stream failed: {}", e.getMessage());
            }
            closeStream();
            if (closed) {
                return;
            }
            log.info("The Docker engine's event stream ended; opening it again in {} ms", retry.toMillis());
            try {
                Thread.sleep(retry.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
        }
    }

    private void died(Event event) {
        String id = event.getId() != null ? event.getId()
                : event.getActor() == null ? null : event.getActor().getId();
        if (id == null) {
            return;
        }
        Map<String, String> attributes = event.getActor() == null || event.getActor().getAttributes() == null
                ? Map.of() : event.getActor().getAttributes();
        ended(id, "container died" + Optional.ofNullable(attributes.get("exitCode")).map(c -> " (exit code " + c + ")")
                .orElse(""));
    }

    /** Reports the watched containers that are gone or stopped (after the stream was down). */
    private void sweep() {
        for (String id : Map.copyOf(watched).keySet()) {
            try {
                Optional<InspectContainerResponse> info = containers.inspect(id);
                if (info.isEmpty()) {
                    ended(id, "container was removed");
                } else if (!Boolean.TRUE.equals(info.get().getState().getRunning())) {
                    ended(id, "container " + info.get().getState().getStatus() + " (exit code "
                            + info.get().getState().getExitCodeLong() + ")");
                }
            } catch (RuntimeException e) {
                log.debug("Could not look at container {}: {}", id, e.getMessage());
                return;
            }
        }
    }

    private void ended(String containerId, String detail) {
        String vmId = watched.remove(containerId);
        Consumer<VmExit> l = listener;
        if (vmId == null || l == null) {
            return;
        }
        log.warn("VM {}: its {}", vmId, detail);
        try {
            l.accept(new VmExit(vmId, containerId, detail));
        } catch (RuntimeException e) {
            log.warn("The exit listener failed on VM {}", vmId, e);
        }
    }

    private void closeStream() {
        Closeable s = stream;
        stream = null;
        if (s != null) {
            try {
                s.close();
            } catch (Exception ignored) {
                // the stream is gone either way
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        closeStream();
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
