package io.deskpool.provider.qemu;

import io.deskpool.core.doctor.CheckContext;
import io.deskpool.core.doctor.CheckOutcome;
import io.deskpool.core.doctor.CheckStatus;
import io.deskpool.core.doctor.Doctor;
import io.deskpool.core.doctor.DoctorCheck;
import io.deskpool.core.doctor.DoctorReport;
import io.deskpool.core.settings.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The qemu provider's doctor checks against the real QEMU of this machine (and its KVM, whatever it is worth). */
class QemuDoctorChecksTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Map<String, String> settings(String... extra) {
        var s = new HashMap<>(TestProviders.settings());
        s.put("STATE_DIR", dir.resolve("state").toString());
        s.put("POOL_SIZE", "1");
        for (int i = 0; i + 1 < extra.length; i += 2) {
            s.put(extra[i], extra[i + 1]);
        }
        return s;
    }

    private static DoctorReport doctor(Map<String, String> settings) {
        Settings s = Settings.of(settings);
        return Doctor.run(new QemuProviderFactory().checks(s), new CheckContext(s, TIMEOUT));
    }

    private static CheckOutcome single(DoctorCheck check, Map<String, String> settings) {
        Settings s = Settings.of(settings);
        return Doctor.run(List.of(check), new CheckContext(s, TIMEOUT)).outcomes().get(0);
    }

    private static CheckOutcome outcome(DoctorReport report, String name) {
        return report.outcomes().stream().filter(o -> o.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check named " + name + " in " + report.outcomes()));
    }

    /** A real qcow2 image, made by qemu-img. */
    private Path qcow2() throws IOException, InterruptedException {
        Path image = dir.resolve("Ubuntu.qcow2");
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "64M")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
        return image;
    }

    @Test
    void qemu_an_image_and_resources_pass_and_kvm_is_either_used_or_priced() throws Exception {
        DoctorReport report = doctor(settings("PATH_TO_VM", qcow2().toString()));

        assertThat(report.outcomes()).extracting(CheckOutcome::name)
                .containsExactly("qemu", "KVM", "guest network", "PATH_TO_VM image", "host memory", "free disk");
        assertThat(outcome(report, "qemu").result().summary()).startsWith("QEMU emulator version").contains("qemu-img at");
        assertThat(outcome(report, "PATH_TO_VM image").result().summary()).contains("qcow2 v3").contains("virtual size 64 MB");
        assertThat(outcome(report, "free disk").result().summary()).contains(dir.resolve("state").resolve("qemu").toString());
        CheckOutcome kvm = outcome(report, "KVM");
        if (kvm.status() == CheckStatus.WARN) {
            assertThat(kvm.result().summary()).contains("software emulation").contains("the ready timeout is 120 s");
            assertThat(kvm.result().fix()).startsWith("set VM_READY_TIMEOUT=3600");
        } else {
            assertThat(kvm.status()).as(kvm.result().toString()).isEqualTo(CheckStatus.PASS);
        }
        assertThat(report.hasBlockingFailure()).as(report.outcomes().toString()).isFalse();
    }

    @Test
    void a_missing_qemu_is_a_blocking_failure_naming_the_package() {
        DoctorReport report = doctor(settings("QEMU_BINARY", dir.resolve("no-qemu").toString()));

        CheckOutcome qemu = outcome(report, "qemu");
        assertThat(qemu.blocks()).isTrue();
        assertThat(qemu.result().fix()).contains("apt-get install qemu-system-x86");
        assertThat(outcome(report, "KVM").result().summary()).startsWith("not checked");
    }

    @Test
    void an_isolated_guest_network_loads_its_firewall_in_a_throw_away_namespace_and_passes() {
        assumeTrue(ExecutableLookup.find("slirp4netns").isPresent(), "slirp4netns is not installed; skipped");

        CheckOutcome network = single(new GuestNetworkCheck(), settings());

        assertThat(network.status()).as(network.result().toString()).isEqualTo(CheckStatus.PASS);
        assertThat(network.result().summary()).contains("own network namespace").contains("slirp4netns")
                .contains("refuses").contains("DNS to [10.0.2.3]");
    }

    @Test
    void an_isolated_guest_network_without_its_helper_is_a_blocking_failure_naming_the_package() {
        CheckOutcome network = single(new GuestNetworkCheck(), settings("QEMU_SLIRP4NETNS",
                dir.resolve("no-slirp4netns").toString()));

        assertThat(network.blocks()).isTrue();
        assertThat(network.result().summary()).contains("no-slirp4netns");
        assertThat(network.result().fix()).contains("apt-get install slirp4netns").contains("QEMU_GUEST_NETWORK=host");
    }

    @Test
    void the_host_guest_network_warns_that_guests_reach_the_hosts_loopback() {
        CheckOutcome network = single(new GuestNetworkCheck(), settings("QEMU_GUEST_NETWORK", "host"));

        assertThat(network.status()).isEqualTo(CheckStatus.WARN);
        assertThat(network.result().summary()).contains("loopback").contains("other VMs");
    }

    @Test
    void kvm_forced_fails_exactly_where_auto_finds_kvm_not_working() {
        CheckOutcome auto = single(new QemuKvmCheck(), settings());
        CheckOutcome forced = single(new QemuKvmCheck(), settings("QEMU_ACCEL", "kvm"));

        if (auto.status() == CheckStatus.PASS) {
            assertThat(forced.status()).isEqualTo(CheckStatus.PASS);
        } else {
            assertThat(auto.status()).isEqualTo(CheckStatus.WARN);
            assertThat(forced.blocks()).as(forced.result().toString()).isTrue();
            assertThat(forced.result().fix()).contains("QEMU_ACCEL=auto");
        }
    }

    @Test
    void software_emulation_by_choice_warns_with_its_cost_and_the_timeout_it_needs() {
        String image = dir.resolve("Ubuntu.qcow2").toString();
        CheckOutcome short_ = single(new QemuKvmCheck(), settings("QEMU_ACCEL", "tcg", "PATH_TO_VM", image));
        CheckOutcome long_ = single(new QemuKvmCheck(), settings("QEMU_ACCEL", "tcg", "PATH_TO_VM", image,
                "VM_READY_TIMEOUT", "7200"));

        assertThat(short_.status()).isEqualTo(CheckStatus.WARN);
        assertThat(short_.result().summary()).startsWith("QEMU_ACCEL=tcg").contains("10x slower");
        assertThat(short_.result().fix()).startsWith("set VM_READY_TIMEOUT=3600");
        assertThat(long_.result().fix()).startsWith("run on a host with KVM");
    }

    @Test
    void software_emulation_of_the_test_guest_asks_for_no_longer_timeout() {
        CheckOutcome testGuest = single(new QemuKvmCheck(), settings("QEMU_ACCEL", "tcg"));

        assertThat(testGuest.status()).isEqualTo(CheckStatus.WARN);
        assertThat(testGuest.result().summary()).startsWith("QEMU_ACCEL=tcg").contains("test guest")
                .doesNotContain("20-40 min");
        assertThat(testGuest.result().fix()).startsWith("nothing for the test guest")
                .contains("before pointing PATH_TO_VM at OSWorld's Ubuntu").contains("VM_READY_TIMEOUT=3600");
    }

    @Test
    void a_bad_image_fails_and_an_empty_path_means_the_test_guest() throws IOException {
        Path page = Files.writeString(dir.resolve("Ubuntu.qcow2"), "<!DOCTYPE html><title>404</title>");

        CheckOutcome bad = outcome(doctor(settings("PATH_TO_VM", page.toString())), "PATH_TO_VM image");
        CheckOutcome empty = outcome(doctor(settings()), "PATH_TO_VM image");

        assertThat(bad.blocks()).isTrue();
        assertThat(bad.result().summary()).contains("web page");
        assertThat(empty.status()).isEqualTo(CheckStatus.WARN);
        assertThat(empty.result().summary()).contains("test guest");
    }
}
