package io.deskpool.provider.qemu;

import io.deskpool.core.doctor.CheckContext;
import io.deskpool.core.doctor.CheckResult;
import io.deskpool.core.doctor.DoctorCheck;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether guests get KVM, by the provider's own test run ({@link KvmCheck}: a tiny firmware under KVM with the VMs'
 * CPU model), and what software emulation costs when they do not: about 10x slower, so OSWorld's Ubuntu needs
 * 20-40 minutes to boot. Blocking only for QEMU_ACCEL=kvm where KVM does not work (every VM would fail).
 */
final class QemuKvmCheck implements DoctorCheck {
    static final Duration SOFTWARE_READY_TIMEOUT = Duration.ofSeconds(3600);

    @Override
    public String name() {
        return "KVM";
    }

    @Override
    public boolean blocking() {
        return true;
    }

    @Override
    public CheckResult run(CheckContext context) {
        QemuConfig config = QemuConfig.from(context.settings());
        if (config.accelMode() == QemuConfig.AccelMode.TCG) {
            return softwareEmulation(config, "QEMU_ACCEL=tcg");
        }
        Optional<Path> binary = ExecutableLookup.find(config.binary());
        if (binary.isEmpty()) {
            return CheckResult.warn("not checked: QEMU was not found", "see the qemu check");
        }
        KvmCheck.Verdict kvm = KvmCheck.check(binary.get(), config.cpuModel().orElse(Accelerator.KVM.defaultCpu()));
        if (kvm.works()) {
            return CheckResult.pass("KVM works: " + kvm.reason());
        }
        if (config.accelMode() == QemuConfig.AccelMode.KVM) {
            return CheckResult.fail("QEMU_ACCEL=kvm but KVM does not work here: " + kvm.reason(),
                    "set QEMU_ACCEL=auto (software emulation when KVM fails), or fix KVM on this host");
        }
        if (kvm.reason().contains("not readable and writable")) {
            return CheckResult.warn(kvm.reason() + ": VMs run under software emulation, about 10x slower",
                    "sudo usermod -aG kvm $USER, then log in again (or run the server as a user of group kvm)");
        }
        return softwareEmulation(config, kvm.reason());
    }

    private static CheckResult softwareEmulation(QemuConfig config, String why) {
        if (config.image().isEmpty()) {
            // The built-in test guest is a tiny Linux: its boot takes seconds under TCG, so the OSWorld advice below
            // would only send a new user after a setting they do not need yet.
            return CheckResult.warn(why + ": VMs run under software emulation (TCG), about 10x slower; the built-in test"
                            + " guest (PATH_TO_VM empty) still boots in well under a minute",
                    "nothing for the test guest; before pointing PATH_TO_VM at OSWorld's Ubuntu (20-40 min to boot"
                            + " without KVM) set VM_READY_TIMEOUT=" + SOFTWARE_READY_TIMEOUT.toSeconds()
                            + ", or run on a host with KVM");
        }
        String summary = String.format(Locale.ROOT, "%s: VMs run under software emulation (TCG), about 10x slower"
                + " (OSWorld's Ubuntu needs 20-40 min to boot; snapshot reverts stay fast); the ready timeout is %d s",
                why, config.readyTimeout().toSeconds());
        String fix = config.readyTimeout().compareTo(SOFTWARE_READY_TIMEOUT) < 0
                ? "set VM_READY_TIMEOUT=" + SOFTWARE_READY_TIMEOUT.toSeconds() + " (or 7200 on a small host), or run on a"
                + " host with KVM (bare metal, or a cloud instance type with nested virtualization)"
                : "run on a host with KVM for faster boots (bare metal, or an instance type with nested virtualization)";
        return CheckResult.warn(summary, fix);
    }
}
