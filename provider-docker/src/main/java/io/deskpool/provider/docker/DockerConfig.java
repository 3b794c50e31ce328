package io.deskpool.provider.docker;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.net.Cidr;
import io.deskpool.core.settings.CoreSettings;
import io.deskpool.core.settings.Setting;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.ScreenSize;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The docker provider's settings, validated once.
 *
 * @param dockerHost      engine address, empty for docker-java's default (DOCKER_HOST variable, local socket)
 * @param image           image of every VM container
 * @param pathToVm        absolute path of the qcow2 mounted read-only at {@code /System.qcow2}
 * @param bindAddress     host address ports are published on
 * @param endpointHost    host the provider (and the server) reach the published ports at
 * @param fastRevert      whether reverts try the in-container QEMU snapshot first
 * @param kvmCpuFlags     CPU_FLAGS given to the image when KVM is used
 * @param qemuArguments   extra QEMU arguments appended after the provider's
 * @param clockSyncCommand guest shell command that sets the clock after a restore ({@code {epoch}} filled in)
 * @param readyTimeout    how long a boot may take, when the pool does not say (recreating reverts)
 * @param isolateGuests   whether each container gets the guest firewall (DOCKER_GUEST_NETWORK=isolated)
 * @param allowedInternal internal addresses the guests may reach anyway (GUEST_NETWORK_ALLOW)
 */
public record DockerConfig(
        Optional<String> dockerHost,
        String image,
        Path pathToVm,
        int memoryMb,
        int cpus,
        int diskGb,
        ScreenSize screen,
        String bindAddress,
        String endpointHost,
        boolean fastRevert,
        KvmMode kvm,
        String kvmCpuFlags,
        String qemuArguments,
        String clockSyncCommand,
        Duration readyTimeout,
        Duration pullTimeout,
        Duration stopTimeout,
        Duration connectTimeout,
        Duration responseTimeout,
        boolean isolateGuests,
        List<Cidr> allowedInternal) {

    /** Ready timeout when VM_READY_TIMEOUT is empty: OSWorld waits 300 s with KVM; software emulation is slower. */
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(600);

    /** Whether to give the container /dev/kvm. */
    public enum KvmMode { AUTO, ON, OFF }

    public DockerConfig {
        requireNonNull(dockerHost, "dockerHost is null");
        requireNonNull(image, "image is null");
        requireNonNull(pathToVm, "pathToVm is null");
        requireNonNull(screen, "screen is null");
        requireNonNull(bindAddress, "bindAddress is null");
        requireNonNull(endpointHost, "endpointHost is null");
        requireNonNull(kvm, "kvm is null");
        requireNonNull(kvmCpuFlags, "kvmCpuFlags is null");
        requireNonNull(qemuArguments, "qemuArguments is null");
        requireNonNull(clockSyncCommand, "clockSyncCommand is null");
        requireNonNull(readyTimeout, "readyTimeout is null");
        requireNonNull(pullTimeout, "pullTimeout is null");
        requireNonNull(stopTimeout, "stopTimeout is null");
        requireNonNull(connectTimeout, "connectTimeout is null");
        requireNonNull(responseTimeout, "responseTimeout is null");
        allowedInternal = List.copyOf(allowedInternal);
    }

    /** Reads and checks the settings; a bad one fails with INVALID_SETTING naming it. */
    public static DockerConfig from(Settings settings) {
        String image = settings.string(DockerSettings.DOCKER_IMAGE);
        if (image.isEmpty()) {
            throw settings.invalid(DockerSettings.DOCKER_IMAGE, image, "an image name such as happysixd/osworld-docker");
        }
        String bind = settings.string(DockerSettings.BIND_ADDRESS);
        if (bind.isEmpty() || bind.contains(" ")) {
            throw settings.invalid(DockerSettings.BIND_ADDRESS, bind, "an IP address such as 127.0.0.1");
        }
        String endpointHost = settings.optionalString(DockerSettings.ENDPOINT_HOST)
                .orElse(isWildcard(bind) ? "127.0.0.1" : bind);
        String kvm = settings.choice(DockerSettings.KVM, List.of("auto", "on", "off"));
        boolean isolate = settings.choice(DockerSettings.GUEST_NETWORK, List.of("isolated", "open")).equals("isolated");
        String allow = settings.string(CoreSettings.GUEST_NETWORK_ALLOW);
        List<Cidr> allowed;
        try {
            allowed = Cidr.parseList(allow);
        } catch (IllegalArgumentException e) {
            throw settings.invalid(CoreSettings.GUEST_NETWORK_ALLOW, allow,
                    "IPv4 addresses or CIDRs separated by commas, such as 10.0.0.5,192.168.7.0/24");
        }
        return new DockerConfig(
                dockerHost(settings),
                image,
                qcow2(settings),
                withDefault(settings, CoreSettings.RAM_SIZE, DockerSettings.DEFAULT_RAM).megabytes(CoreSettings.RAM_SIZE, 64),
                withDefault(settings, CoreSettings.CPU_CORES, DockerSettings.DEFAULT_CPUS).integer(CoreSettings.CPU_CORES, 1),
                (int) Math.max(1, Math.ceil(withDefault(settings, CoreSettings.DISK_SIZE, DockerSettings.DEFAULT_DISK)
                        .megabytes(CoreSettings.DISK_SIZE, 1024) / 1024.0)),
                screen(settings),
                bind,
                endpointHost,
                settings.bool(DockerSettings.FAST_REVERT),
                KvmMode.valueOf(kvm.toUpperCase(Locale.ROOT)),
                settings.string(DockerSettings.KVM_CPU_FLAGS),
                settings.string(DockerSettings.QEMU_ARGUMENTS),
                settings.string(DockerSettings.CLOCK_SYNC),
                settings.optionalString(CoreSettings.VM_READY_TIMEOUT).isPresent()
                        ? settings.seconds(CoreSettings.VM_READY_TIMEOUT, Duration.ofSeconds(1)) : DEFAULT_READY_TIMEOUT,
                settings.seconds(DockerSettings.PULL_TIMEOUT, Duration.ofSeconds(1)),
                settings.seconds(DockerSettings.STOP_TIMEOUT, Duration.ZERO),
                settings.seconds(DockerSettings.CONNECT_TIMEOUT, Duration.ofMillis(100)),
                settings.seconds(DockerSettings.RESPONSE_TIMEOUT, Duration.ofSeconds(1)),
                isolate,
                allowed);
    }

    /** RAM_SIZE as the image reads it: {@code 4G} when whole gigabytes, else {@code 512M}. */
    static String ramSize(int memoryMb) {
        return memoryMb % 1024 == 0 ? memoryMb / 1024 + "G" : memoryMb + "M";
    }

    static Optional<String> dockerHost(Settings settings) {
        Optional<String> raw = settings.optionalString(DockerSettings.DOCKER_HOST);
        if (raw.isPresent()) {
            try {
                String scheme = java.net.URI.create(raw.get()).getScheme();
                if (scheme != null && List.of("unix", "tcp", "npipe").contains(scheme)) {
                    return raw;
                }
            } catch (IllegalArgumentException ignored) {
                // reported below
            }
            throw settings.invalid(DockerSettings.DOCKER_HOST, raw.get(),
                    "an engine address such as unix:///var/run/docker.sock or tcp://127.0.0.1:2375");
        }
        return raw;
    }

    private static Path qcow2(Settings settings) {
        Optional<String> raw = settings.optionalString(CoreSettings.PATH_TO_VM);
        if (raw.isEmpty()) {
            throw new DeskpoolException(ErrorCode.INVALID_SETTING, CoreSettings.PATH_TO_VM.name()
                    + " must name the qcow2 disk image the VMs boot (OSWorld's Ubuntu.qcow2); it is not set");
        }
        Path path = settings.path(CoreSettings.PATH_TO_VM).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path)) {
            throw settings.invalid(CoreSettings.PATH_TO_VM, raw.get(), "an existing qcow2 file (" + path + " is not a file)");
        }
        return path;
    }

    private static ScreenSize screen(Settings settings) {
        String raw = settings.string(CoreSettings.SCREEN_SIZE);
        try {
            return ScreenSize.parse(raw);
        } catch (IllegalArgumentException e) {
            throw settings.invalid(CoreSettings.SCREEN_SIZE, raw, "WIDTHxHEIGHT such as 1920x1080");
        }
    }

    private static Settings withDefault(Settings settings, Setting setting, String fallback) {
        return settings.optionalString(setting).isPresent() ? settings : settings.with(Map.of(setting.name(), fallback));
    }

    private static boolean isWildcard(String address) {
        return address.equals("0.0.0.0") || address.equals("::") || address.equals("[::]");
    }
}
