package io.deskpool.provider.docker;

import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.testing.ProviderContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * The provider contract on the real Docker engine and the test image. "Gone" is an engine that stops answering
 * under a running provider (a forwarder to the real engine that is cut); "killed" is {@code docker kill}.
 */
class DockerProviderContractTest extends ProviderContract {
    @TempDir
    static Path stateDir;
    private EngineForwarder forwarder;

    @Override
    protected Provider createProvider(String ownerId) {
        return new DockerProviderFactory().create(TestDesktop.context(ownerId, TestDesktop.settings(Map.of()), stateDir));
    }

    @Override
    protected Provider createProviderWithBackendGone(String ownerId) throws Exception {
        String local = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        TestDesktop.docker();
        forwarder = new EngineForwarder(Path.of(URI.create(local).getPath()));
        Provider provider = new DockerProviderFactory().create(TestDesktop.context(ownerId,
                TestDesktop.settings(Map.of("DOCKER_HOST", forwarder.dockerHost())), stateDir));
        forwarder.stop();
        return provider;
    }

    @Override
    protected void killBehindTheProvidersBack(VmHandle vm) {
        TestDesktop.docker().killContainerCmd(vm.backendId()).withSignal("KILL").exec();
    }

    @Override
    protected void removeLeftovers(String ownerId) {
        TestDesktop.removeAllOf(ownerId);
    }

    @AfterAll
    void closeForwarder() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
    }
}
