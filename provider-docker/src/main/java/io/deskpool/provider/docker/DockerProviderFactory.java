package io.deskpool.provider.docker;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.doctor.DoctorCheck;
import io.deskpool.core.doctor.FreeDiskCheck;
import io.deskpool.core.doctor.HostMemoryCheck;
import io.deskpool.core.doctor.Qcow2ImageCheck;
import io.deskpool.core.settings.CoreSettings;
import io.deskpool.core.settings.Setting;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.HostSupport;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.ProviderContext;
import io.deskpool.core.spi.ProviderFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Registers the docker provider: OSWorld's Docker+QEMU image on a Docker engine. */
public final class DockerProviderFactory implements ProviderFactory {
    private static final Path DEV_KVM = Path.of("/dev/kvm");
    private static final Logger log = LoggerFactory.getLogger(DockerProviderFactory.class);
    private static final int DEFAULT_RAM_MB = 4096;
    private static final String DEFAULT_DATA_ROOT = "/var/lib/docker";

    @Override
    public String name() {
        return DockerProvider.NAME;
    }

    @Override
    public String description() {
        return "Containers of the OSWorld Docker+QEMU image on a Docker engine, reverted by in-container QEMU snapshots";
    }

    @Override
    public List<Setting> settings() {
        var all = new ArrayList<Setting>(DockerSettings.ALL);
        all.addAll(List.of(CoreSettings.PATH_TO_VM, CoreSettings.RAM_SIZE, CoreSettings.CPU_CORES,
                CoreSettings.DISK_SIZE, CoreSettings.VM_READY_TIMEOUT));
        return all;
    }

    /**
     * Engine reachable, its API version, the image there or pullable, KVM (and what its absence costs), the
     * containers nobody cleans up, the qcow2 image, and memory and disk for POOL_SIZE VMs (disk where the engine
     * keeps container layers).
     */
    @Override
    public List<DoctorCheck> checks(Settings settings) {
        return List.of(new DockerEngineCheck(), new DockerApiVersionCheck(), new DockerImageCheck(), new DockerKvmCheck(),
                new DockerLeftoversCheck(), new DockerGuestNetworkCheck(), new Qcow2ImageCheck(), new HostMemoryCheck(DEFAULT_RAM_MB),
                new FreeDiskCheck("the Docker engine's data root", DockerProviderFactory::engineDataRoot, DEFAULT_RAM_MB));
    }

    /** Where the engine keeps container layers (a VM's writes and snapshots land there); the usual place if it does not say. */
    private static Path engineDataRoot(Settings settings) {
        try (DockerEngine engine = DockerEngine.forCheck(settings, Duration.ofSeconds(5))) {
            String root = engine.client().infoCmd().exec().getDockerRootDir();
            return Path.of(root == null || root.isBlank() ? DEFAULT_DATA_ROOT : root);
        } catch (RuntimeException e) {
            return Path.of(DEFAULT_DATA_ROOT);
        }
    }

    /** Asks the engine for its version with a short connection timeout; never blocks long. */
    @Override
    public HostSupport hostSupport(Settings settings) {
        Settings quick = settings.with(Map.of(DockerSettings.CONNECT_TIMEOUT.name(), "2",
                DockerSettings.RESPONSE_TIMEOUT.name(), "5"));
        DockerConfig config;
        try {
            config = DockerConfig.from(quick);
        } catch (DeskpoolException e) {
            return HostSupport.unavailable(e.getMessage());
        }
        Optional<String> noFirewall = config.isolateGuests() ? ContainerFirewall.unavailable() : Optional.empty();
        if (noFirewall.isPresent()) {
            return HostSupport.unavailable(isolationMissing(noFirewall.get()));
        }
        try (DockerEngine engine = DockerEngine.connect(config)) {
            return HostSupport.available("Docker engine " + engine.version() + " at " + engine.host());
        } catch (DeskpoolException e) {
            return HostSupport.unavailable(e.getMessage());
        }
    }

    /**
     * Checks the settings, that the engine answers and, with DOCKER_KVM=on, that a local engine's host has
     * {@code /dev/kvm}; fails with INVALID_SETTING or PROVIDER_UNAVAILABLE.
     */
    @Override
    public Provider create(ProviderContext context) {
        DockerConfig config = DockerConfig.from(context.settings());
        Optional<String> noFirewall = config.isolateGuests() ? ContainerFirewall.unavailable() : Optional.empty();
        if (noFirewall.isPresent()) {
            throw new DeskpoolException(ErrorCode.PROVIDER_UNAVAILABLE, isolationMissing(noFirewall.get()));
        }
        DockerEngine engine = DockerEngine.connect(config);
        try {
            requireKvmDeviceWhenForced(config, engine.host(), DEV_KVM);
            String version = engine.version();
            log.info("Docker provider: engine {} at {}, image {}, disk {}, ports published on {}, fast revert {}",
                    version, engine.host(), config.image(), config.pathToVm(), config.bindAddress(),
                    config.fastRevert() ? "on" : "off");
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        return new DockerProvider(config, context, engine);
    }

    /**
     * DOCKER_KVM=on hands every container {@code /dev/kvm}; on a host without it the engine refuses each VM with
     * an error 500 that names neither the setting nor the fix, so the start stops here instead. (A remote engine's
     * host cannot be looked at from here; its containers will say.)
     */
    static void requireKvmDeviceWhenForced(DockerConfig config, String engineHost, Path devKvm) {
        if (config.kvm() == DockerConfig.KvmMode.ON && engineHost.startsWith("unix:") && !Files.exists(devKvm)) {
            throw new DeskpoolException(ErrorCode.PROVIDER_UNAVAILABLE, DockerSettings.KVM.name() + "=on but " + devKvm
                    + " does not exist on this host, so no VM could start: set " + DockerSettings.KVM.name()
                    + "=auto (KVM when it works, else software emulation) or off, or enable KVM on this host");
        }
    }

    private static String isolationMissing(String why) {
        return DockerSettings.GUEST_NETWORK.name() + "=isolated needs a firewall in each VM container, but " + why
                + "; set " + DockerSettings.GUEST_NETWORK.name() + "=open to accept guests that reach the host, "
                + "other containers and internal addresses";
    }

}
