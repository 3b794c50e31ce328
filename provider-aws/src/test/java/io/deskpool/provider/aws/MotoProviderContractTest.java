package io.deskpool.provider.aws;

import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.ProviderContext;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.testing.ProviderContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The provider contract on moto_server (a real EC2 API emulator), with the desktops' probes pointed at a loopback
 * {@link DesktopStandIn}. "Gone" is an EC2 endpoint nobody listens on; "killed" is an instance terminated behind
 * the provider's back, whose desktop stops answering with it.
 */
class MotoProviderContractTest extends ProviderContract {
    @TempDir
    static Path stateDir;
    private static EmulatorEc2 moto;
    private static DesktopStandIn desktop;

    /** Started on first use: the contract builds its provider before this class's own set-up would run. */
    private static synchronized void connect() {
        if (moto == null) {
            moto = new EmulatorEc2(MotoServer.endpoint(), "us-east-1");
            desktop = DesktopStandIn.start();
        }
    }

    @AfterAll
    static void disconnect() {
        if (moto != null) {
            desktop.close();
            moto.close();
        }
    }

    private static Map<String, String> settings(Map<String, String> overrides) {
        connect();
        var map = new HashMap<>(moto.launchSettings());
        map.put("AWS_READINESS_HOST_OVERRIDE", desktop.address());
        map.put("AWS_SWEEP_INTERVAL_SECONDS", "0");
        map.put("VM_READY_TIMEOUT", "30");
        map.putAll(overrides);
        return map;
    }

    private static Provider create(String ownerId, Map<String, String> overrides) {
        var context = new ProviderContext(ownerId, Settings.of(settings(overrides)), stateDir, Clock.systemUTC());
        return new Ec2ProviderFactory().create(context, d -> { }, Duration.ofMillis(20));
    }

    @Override
    protected Provider createProvider(String ownerId) {
        return create(ownerId, Map.of());
    }

    @Override
    protected Provider createProviderWithBackendGone(String ownerId) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return create(ownerId, Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:" + port));
    }

    @Override
    protected void killBehindTheProvidersBack(VmHandle vm) {
        moto.client().terminateInstances(r -> r.instanceIds(vm.backendId()));
        desktop.close();
    }
}
