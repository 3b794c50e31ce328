package io.deskpool.provider.qemu;

import io.deskpool.core.net.Cidr;
import io.deskpool.core.settings.CoreSettings;
import io.deskpool.core.settings.Settings;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The QEMU provider's settings, parsed and checked once. {@code image} is empty when PATH_TO_VM is empty (the
 * test guest is built on first use); {@code diskGb} is empty when DISK_SIZE is empty (overlays keep the base
 * image's size).
 */
record QemuConfig(
        String binary,
        String imgBinary,
        AccelMode accelMode,
        Optional<String> cpuModel,
        String machine,
        InetAddress bindAddress,
        boolean restrictNetwork,
        String guestNetwork,
        String slirp4netnsBinary,
        List<Cidr> allowedInternal,
        ReadyProbeKind readyProbe,
        String clockSyncCommand,
        Optional<Path> memoryDir,
        boolean cleanTemplate,
        boolean keepOnExit,
        List<String> extraArgs,
        Optional<Path> testGuestScript,
        Optional<Path> image,
        int memoryMb,
        int cpus,
        Optional<Integer> diskGb,
        Duration readyTimeout,
        String snapshotName) {

    static final int DEFAULT_MEMORY_MB = 256;
    static final int DEFAULT_CPUS = 1;
    /** Software emulation of a full desktop boots slowly; OSWorld waits 300 s too. */
    static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(300);
    static final String DEFAULT_SNAPSHOT = "clean";
    /** QEMU_MEMORY_DIR's value for guest memory that is not a file. */
    static final String ANONYMOUS_MEMORY = "none";

    QemuConfig {
        requireNonNull(binary, "binary is null");
        requireNonNull(imgBinary, "imgBinary is null");
        requireNonNull(accelMode, "accelMode is null");
        requireNonNull(cpuModel, "cpuModel is null");
        requireNonNull(machine, "machine is null");
        requireNonNull(bindAddress, "bindAddress is null");
        requireNonNull(guestNetwork, "guestNetwork is null");
        requireNonNull(slirp4netnsBinary, "slirp4netnsBinary is null");
        allowedInternal = List.copyOf(allowedInternal);
        requireNonNull(readyProbe, "readyProbe is null");
        requireNonNull(clockSyncCommand, "clockSyncCommand is null");
        requireNonNull(memoryDir, "memoryDir is null");
        extraArgs = List.copyOf(extraArgs);
        requireNonNull(testGuestScript, "testGuestScript is null");
        requireNonNull(image, "image is null");
        requireNonNull(diskGb, "diskGb is null");
        requireNonNull(readyTimeout, "readyTimeout is null");
        requireNonNull(snapshotName, "snapshotName is null");
    }

    enum AccelMode { AUTO, KVM, TCG }

    enum ReadyProbeKind { DESKTOP, SCREENSHOT }

    static QemuConfig from(Settings settings) {
        AccelMode accel = AccelMode.valueOf(settings.choice(QemuSettings.ACCEL, List.of("auto", "kvm", "tcg"))
                .toUpperCase(java.util.Locale.ROOT));
        ReadyProbeKind probe = ReadyProbeKind.valueOf(settings.choice(QemuSettings.READY_PROBE,
                List.of("desktop", "screenshot")).toUpperCase(java.util.Locale.ROOT));
        boolean keep = settings.choice(QemuSettings.ON_EXIT, List.of("stop", "keep")).equals("keep");
        String bind = settings.string(QemuSettings.BIND_ADDRESS);
        InetAddress bindAddress;
        try {
            if (bind.isEmpty()) {
                throw new UnknownHostException("empty");
            }
            bindAddress = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw settings.invalid(QemuSettings.BIND_ADDRESS, bind, "an IP address of this host such as 127.0.0.1");
        }
        String guestNetwork = settings.choice(QemuSettings.GUEST_NETWORK,
                List.of(IsolatedGuestNetwork.NAME, HostGuestNetwork.NAME));
        String allow = settings.string(CoreSettings.GUEST_NETWORK_ALLOW);
        List<Cidr> allowed;
        try {
            allowed = Cidr.parseList(allow);
        } catch (IllegalArgumentException e) {
            throw settings.invalid(CoreSettings.GUEST_NETWORK_ALLOW, allow,
                    "IPv4 addresses or CIDRs separated by commas, such as 10.0.0.5,192.168.7.0/24");
        }
        String clockSync = settings.string(QemuSettings.CLOCK_SYNC_COMMAND);
        if (!clockSync.isEmpty() && !clockSync.contains("{epoch}")) {
            throw settings.invalid(QemuSettings.CLOCK_SYNC_COMMAND, clockSync,
                    "a shell command containing {epoch} (the host time in seconds), or empty");
        }
        String extra = settings.string(QemuSettings.EXTRA_ARGS);
        List<String> extraArgs = extra.isEmpty() ? List.of() : Arrays.asList(extra.split("\\s+"));
        Optional<Path> script = settings.optionalString(QemuSettings.TEST_GUEST_SCRIPT)
                .map(s -> settings.path(QemuSettings.TEST_GUEST_SCRIPT).toAbsolutePath());
        Optional<Path> image = settings.optionalString(CoreSettings.PATH_TO_VM)
                .map(s -> settings.path(CoreSettings.PATH_TO_VM).toAbsolutePath());
        int memoryMb = settings.optionalString(CoreSettings.RAM_SIZE).isPresent()
                ? settings.megabytes(CoreSettings.RAM_SIZE, 32) : DEFAULT_MEMORY_MB;
        int cpus = settings.optionalString(CoreSettings.CPU_CORES).isPresent()
                ? settings.integer(CoreSettings.CPU_CORES, 1) : DEFAULT_CPUS;
        Optional<Integer> diskGb = settings.optionalString(CoreSettings.DISK_SIZE).isPresent()
                ? Optional.of(Math.max(1, (settings.megabytes(CoreSettings.DISK_SIZE, 1024) + 1023) / 1024))
                : Optional.empty();
        Duration readyTimeout = settings.optionalString(CoreSettings.VM_READY_TIMEOUT).isPresent()
                ? settings.seconds(CoreSettings.VM_READY_TIMEOUT, Duration.ofSeconds(1)) : DEFAULT_READY_TIMEOUT;
        String snapshot = settings.optionalString(CoreSettings.SNAPSHOT_NAME).orElse(DEFAULT_SNAPSHOT);
        if (!snapshot.matches("[A-Za-z0-9._-]+")) {
            throw settings.invalid(CoreSettings.SNAPSHOT_NAME, snapshot, "a snapshot name of letters, digits, '.', '_' or '-'");
        }
        return new QemuConfig(
                settings.string(QemuSettings.BINARY),
                settings.string(QemuSettings.IMG_BINARY),
                accel,
                settings.optionalString(QemuSettings.CPU_MODEL),
                settings.string(QemuSettings.MACHINE),
                bindAddress,
                settings.bool(QemuSettings.RESTRICT_NETWORK),
                guestNetwork,
                settings.string(QemuSettings.SLIRP4NETNS),
                allowed,
                probe,
                clockSync,
                memoryDir(settings),
                settings.bool(QemuSettings.CLEAN_TEMPLATE),
                keep,
                extraArgs,
                script,
                image,
                memoryMb,
                cpus,
                diskGb,
                readyTimeout,
                snapshot);
    }

    /**
     * QEMU_MEMORY_DIR: a directory that must exist when set; the default (/dev/shm) quietly means anonymous memory on
     * a host without it.
     */
    private static Optional<Path> memoryDir(Settings settings) {
        Optional<String> value = settings.optionalString(QemuSettings.MEMORY_DIR);
        if (value.isEmpty() || value.get().equals(ANONYMOUS_MEMORY)) {
            return Optional.empty();
        }
        Path dir = Path.of(value.get()).toAbsolutePath().normalize();
        if (java.nio.file.Files.isDirectory(dir)) {
            return Optional.of(dir);
        }
        if (settings.source(QemuSettings.MEMORY_DIR) == io.deskpool.core.settings.SettingSource.DEFAULT) {
            return Optional.empty();
        }
        throw settings.invalid(QemuSettings.MEMORY_DIR, value.get(), "an existing directory, best a tmpfs such as "
                + "/dev/shm, or " + ANONYMOUS_MEMORY + " for anonymous guest memory");
    }

    /** The host clients use to reach forwarded ports: the bind address, or loopback when bound to every address. */
    String endpointHost() {
        if (bindAddress.isAnyLocalAddress()) {
            return bindAddress instanceof java.net.Inet6Address ? "::1" : "127.0.0.1";
        }
        return bindAddress.getHostAddress();
    }
}
