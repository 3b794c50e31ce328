package io.deskpool.provider.docker;

import io.deskpool.core.spi.VmExit;
import io.deskpool.core.spi.VmHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The provider's exit reports across an engine outage, on the real engine and the test image. The engine "restarts"
 * as a forwarder to it that is cut and then listens again ({@link EngineForwarder}): the provider's event stream
 * breaks and nothing is listening when the VM's container dies, so only a watch that opens the stream again and
 * looks at its containers can report it.
 */
class DockerExitWatchTest {
    /** How long the watch may take to notice the engine is back (its backoff is capped at 5 s); a hang guard only. */
    private static final Duration REPORTED = Duration.ofSeconds(60);

    private final String owner = "test-exit-" + UUID.randomUUID().toString().substring(0, 8);
    @TempDir
    Path stateDir;

    @AfterEach
    void cleanUp() {
        TestDesktop.removeAllOf(owner);
    }

    @Test
    void a_vm_container_that_dies_while_the_engine_is_away_is_reported_once_the_engine_is_back() throws Exception {
        String local = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        TestDesktop.docker();
        List<VmExit> exits = new CopyOnWriteArrayList<>();
        try (EngineForwarder engine = new EngineForwarder(Path.of(URI.create(local).getPath()));
             DockerProvider provider = (DockerProvider) new DockerProviderFactory().create(TestDesktop.context(owner,
                     TestDesktop.settings(Map.of("DOCKER_HOST", engine.dockerHost())), stateDir))) {
            assertThat(provider.watchExits(exits::add)).isTrue();
            VmHandle vm = provider.launch("vm-" + UUID.randomUUID().toString().substring(0, 8), provider.baseSpec());

            engine.stop();
            TestDesktop.docker().killContainerCmd(vm.backendId()).withSignal("KILL").exec();
            TestDesktop.await("the container to stop", Duration.ofSeconds(60), () -> !Boolean.TRUE.equals(
                    TestDesktop.docker().inspectContainerCmd(vm.backendId()).exec().getState().getRunning()));
            assertThat(exits).as("nothing can be reported while the engine is away").isEmpty();
            engine.resume();

            TestDesktop.await("the exit of VM " + vm.id() + " to be reported", REPORTED, () -> !exits.isEmpty());
            assertThat(exits).singleElement().satisfies(exit -> {
                assertThat(exit.vmId()).isEqualTo(vm.id());
                assertThat(exit.backendId()).isEqualTo(vm.backendId());
                assertThat(exit.detail()).contains("exited");
            });
        }
    }
}
