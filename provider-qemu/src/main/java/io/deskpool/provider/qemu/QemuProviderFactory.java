package io.deskpool.provider.qemu;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.doctor.DoctorCheck;
import io.deskpool.core.doctor.FreeDiskCheck;
import io.deskpool.core.doctor.HostMemoryCheck;
import io.deskpool.core.doctor.Qcow2ImageCheck;
import io.deskpool.core.settings.CoreSettings;
import io.deskpool.core.settings.Setting;
import io.deskpool.core.settings.SettingSource;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.HostSupport;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.ProviderContext;
import io.deskpool.core.spi.ProviderFactory;
import io.deskpool.core.spi.ScreenSize;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** {@code PROVIDER=qemu}: VMs as QEMU processes on this host. */
public final class QemuProviderFactory implements ProviderFactory {
    static final String NAME = "qemu";
    private static final Logger log = LoggerFactory.getLogger(QemuProviderFactory.class);
    /** The KVM check runs once per JVM; its warning is logged once too, not for every provider built. */
    private static final Set<String> KVM_WARNINGS = ConcurrentHashMap.newKeySet();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "QEMU VMs run directly on this host: qcow2 overlays over a read-only base image, snapshot reverts";
    }

    @Override
    public List<Setting> settings() {
        return QemuSettings.ALL;
    }

    /**
     * QEMU and qemu-img present and running, KVM (or what software emulation costs), the disk image, and memory
     * and disk (the VMs' overlays and snapshots under STATE_DIR/qemu) for POOL_SIZE VMs.
     */
    @Override
    public List<DoctorCheck> checks(Settings settings) {
        return List.of(new QemuBinaryCheck(), new QemuKvmCheck(), new GuestNetworkCheck(),
                Qcow2ImageCheck.optional("the small built-in test guest boots instead of OSWorld's desktop"),
                new HostMemoryCheck(QemuConfig.DEFAULT_MEMORY_MB),
                new FreeDiskCheck("STATE_DIR/qemu, the VMs' overlays", s -> s.path(CoreSettings.STATE_DIR).resolve("qemu"),
                        QemuConfig.DEFAULT_MEMORY_MB));
    }

    @Override
    public HostSupport hostSupport(Settings settings) {
        QemuConfig config;
        try {
            config = QemuConfig.from(settings);
        } catch (DeskpoolException e) {
            return HostSupport.unavailable(e.getMessage());
        }
        Optional<Path> binary = ExecutableLookup.find(config.binary());
        if (binary.isEmpty()) {
            return HostSupport.unavailable(missing(QemuSettings.BINARY, config.binary(), "qemu-system-x86"));
        }
        if (ExecutableLookup.find(config.imgBinary()).isEmpty()) {
            return HostSupport.unavailable(missing(QemuSettings.IMG_BINARY, config.imgBinary(), "qemu-utils"));
        }
        Optional<String> version = version(binary.get());
        if (version.isEmpty()) {
            return HostSupport.unavailable(binary.get() + " does not run (" + QemuSettings.BINARY.name()
                    + "): 'qemu-system-x86_64 --version' failed");
        }
        if (config.guestNetwork().equals(IsolatedGuestNetwork.NAME)) {
            try {
                IsolatedGuestNetwork.Tools.find(config.slirp4netnsBinary());
            } catch (IllegalStateException e) {
                return HostSupport.unavailable(isolationMissing(e.getMessage()));
            }
        }
        Optional<String> imageProblem = imageProblem(config);
        if (imageProblem.isPresent()) {
            return HostSupport.unavailable(imageProblem.get());
        }
        return HostSupport.available(version.get() + " at " + binary.get() + ", accelerator: "
                + config.accelMode().name().toLowerCase(java.util.Locale.ROOT)
                + (config.accelMode() == QemuConfig.AccelMode.AUTO ? " (KVM if a test run works, else software emulation)" : ""));
    }

    @Override
    public Provider create(ProviderContext context) {
        QemuConfig config = QemuConfig.from(context.settings());
        Path binary = ExecutableLookup.find(config.binary()).orElseThrow(() -> new DeskpoolException(
                ErrorCode.PROVIDER_UNAVAILABLE, missing(QemuSettings.BINARY, config.binary(), "qemu-system-x86")));
        Path img = ExecutableLookup.find(config.imgBinary()).orElseThrow(() -> new DeskpoolException(
                ErrorCode.PROVIDER_UNAVAILABLE, missing(QemuSettings.IMG_BINARY, config.imgBinary(), "qemu-utils")));
        if (config.image().isPresent() && !Files.isRegularFile(config.image().get())) {
            throw context.settings().invalid(CoreSettings.PATH_TO_VM, config.image().get().toString(),
                    "the path of an existing qcow2 (or raw) disk image, or empty for the built-in test guest");
        }
        Settings settings = context.settings();
        ScreenSize screen;
        try {
            screen = ScreenSize.parse(settings.string(CoreSettings.SCREEN_SIZE));
        } catch (IllegalArgumentException e) {
            throw settings.invalid(CoreSettings.SCREEN_SIZE, settings.string(CoreSettings.SCREEN_SIZE),
                    "WIDTHxHEIGHT such as 1920x1080");
        }
        // The test guest is built with SCREEN_SIZE only when it is set; otherwise it keeps its own (cheaper) default.
        boolean screenSet = settings.source(CoreSettings.SCREEN_SIZE) != SettingSource.DEFAULT;
        var testGuest = new TestGuestImage(config.testGuestScript(), Path.of(""),
                screenSet ? Optional.of(screen) : Optional.empty());
        if (config.image().isEmpty() && !screenSet) {
            screen = TestGuestImage.DEFAULT_SCREEN;
        }
        Optional<IsolatedGuestNetwork.Tools> isolation = isolationTools(config);
        Accelerator accelerator = chooseAccelerator(config, binary);
        Path cp = ExecutableLookup.find("cp").orElseThrow(() -> new DeskpoolException(ErrorCode.PROVIDER_UNAVAILABLE,
                "cp (GNU coreutils) was not found on PATH; it copies guest memory when a VM is forked"));
        return new QemuProvider(config, binary, img, accelerator, context.ownerId(), context.clock(),
                context.stateDir(), screen, testGuest, isolation, cp);
    }

    /**
     * The programs of an isolated guest network when they are all here. QEMU_GUEST_NETWORK=isolated without them
     * is refused: silently falling back would hand guests the host's loopback.
     */
    private static Optional<IsolatedGuestNetwork.Tools> isolationTools(QemuConfig config) {
        try {
            return Optional.of(IsolatedGuestNetwork.Tools.find(config.slirp4netnsBinary()));
        } catch (IllegalStateException e) {
            if (config.guestNetwork().equals(IsolatedGuestNetwork.NAME)) {
                throw new DeskpoolException(ErrorCode.PROVIDER_UNAVAILABLE, isolationMissing(e.getMessage()));
            }
            return Optional.empty();
        }
    }

    static String isolationMissing(String what) {
        return QemuSettings.GUEST_NETWORK.name() + "=" + IsolatedGuestNetwork.NAME + " needs " + what
                + "; install them (scripts/install-deps.sh run), or set " + QemuSettings.GUEST_NETWORK.name() + "="
                + HostGuestNetwork.NAME + " to accept guests that reach the host's loopback services and other VMs";
    }

    private static Accelerator chooseAccelerator(QemuConfig config, Path binary) {
        if (config.accelMode() == QemuConfig.AccelMode.TCG) {
            log.info("QEMU runs guests by software emulation (QEMU_ACCEL=tcg)");
            return Accelerator.TCG;
        }
        KvmCheck.Verdict kvm = KvmCheck.check(binary, config.cpuModel().orElse(Accelerator.KVM.defaultCpu()));
        if (kvm.works()) {
            log.info("QEMU runs guests with KVM: {}", kvm.reason());
            return Accelerator.KVM;
        }
        if (config.accelMode() == QemuConfig.AccelMode.KVM) {
            throw new DeskpoolException(ErrorCode.PROVIDER_UNAVAILABLE, "QEMU_ACCEL=kvm but KVM does not work here: "
                    + kvm.reason() + "; set QEMU_ACCEL=auto or tcg for software emulation");
        }
        if (KVM_WARNINGS.add(kvm.reason())) {
            log.warn("KVM is not usable ({}); QEMU runs guests by software emulation, which is several times slower",
                    kvm.reason());
        }
        return Accelerator.TCG;
    }

    private static Optional<String> imageProblem(QemuConfig config) {
        if (config.image().isPresent()) {
            Path image = config.image().get();
            return Files.isRegularFile(image) ? Optional.empty()
                    : Optional.of("PATH_TO_VM names " + image + ", which does not exist");
        }
        TestGuestImage guest = new TestGuestImage(config.testGuestScript(), Path.of(""), Optional.empty());
        return guest.script().isPresent() ? Optional.empty()
                : Optional.of("PATH_TO_VM is empty and the test guest build script was not found (looked for "
                + guest.whereLooked() + "); set PATH_TO_VM to a qcow2 image");
    }

    private static String missing(Setting setting, String value, String debianPackage) {
        return setting.name() + "=" + value + " was not found" + (value.contains("/") ? "" : " on PATH")
                + "; install QEMU (Debian/Ubuntu: apt-get install " + debianPackage + ") or point "
                + setting.name() + " at the program";
    }

    private static Optional<String> version(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? out.lines().findFirst().map(String::strip) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
