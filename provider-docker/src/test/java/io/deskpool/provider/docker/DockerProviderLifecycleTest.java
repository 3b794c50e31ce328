package io.deskpool.provider.docker;

import io.deskpool.core.qemu.QmpClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import io.deskpool.core.spi.ResourceStats;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.RevertResult;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.testing.ScreenMatch;
import io.deskpool.core.testing.VncScreen;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmLabels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import javax.imageio.ImageIO;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** One VM's life on the real engine and the test image: boot, dirty it, revert both ways, destroy. */
class DockerProviderLifecycleTest {
    private static final Duration READY = Duration.ofSeconds(180);
    private static final String MARKER = "/tmp/deskpool-marker";
    private static final Duration CLOCK_OFFSET = Duration.ofDays(3);

    private final String owner = "test-life-" + UUID.randomUUID().toString().substring(0, 8);
    @TempDir
    Path stateDir;
    private DockerProvider provider;

    @AfterEach
    void cleanUp() {
        if (provider != null) {
            provider.close();
        }
        TestDesktop.removeAllOf(owner);
    }

    @Test
    void every_published_port_is_a_reachable_service_and_the_vnc_one_shows_the_guests_screen() throws Exception {
        provider = create(Map.of());
        VmHandle vm = provider.awaitReady(provider.launch("vm-" + UUID.randomUUID().toString().substring(0, 8),
                provider.baseSpec()), READY);
        VmEndpoints ep = vm.requireEndpoints();
        assertThat(TestDesktop.execute(ep, "python -c \"import pyautogui; pyautogui.moveTo(200, 500)\"").returncode())
                .isZero();
        BufferedImage screenshot = ImageIO.read(ep.serverUri("/screenshot").toURL());

        assertThat(status(ep.uri(ep.cdpPort(), "/json/version"))).isEqualTo(200);
        assertThat(status(ep.uri(ep.vlcPort(), "/requests/status.xml"))).isEqualTo(200);
        assertThat(ep.vncWebSocketUri().getPath()).isEqualTo("/websockify");
        assertThat(ScreenMatch.eventually(() -> {
            try (VncScreen screen = VncScreen.connect(ep.vncWebSocketUri(), Duration.ofSeconds(20))) {
                return screen.frame();
            }
        }, screenshot, Duration.ofSeconds(20))).as("pixels differing from /screenshot").isZero();
        provider.destroy(vm);
    }

    private static int status(java.net.URI uri) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(20)).build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void a_vm_boots_gets_dirty_reverts_by_snapshot_and_leaves_nothing_when_destroyed() throws Exception {
        provider = create(Map.of());
        String vmId = "vm-" + UUID.randomUUID().toString().substring(0, 8);
        VmHandle vm = provider.launch(vmId, provider.baseSpec().withLabels(Map.of(VmLabels.TOKEN, "tok-a")));

        InspectContainerResponse container = TestDesktop.docker().inspectContainerCmd(vm.backendId()).exec();
        assertThat(container.getName()).isEqualTo("/deskpool-" + vmId);
        assertThat(container.getConfig().getLabels())
                .containsEntry(VmLabels.OWNER, owner).containsEntry(VmLabels.VM_ID, vmId).containsEntry(VmLabels.TOKEN, "tok-a");
        assertThat(container.getMounts()).anySatisfy(m -> {
            assertThat(m.getDestination().getPath()).isEqualTo("/System.qcow2");
            assertThat(m.getRW()).isFalse();
        });
        List<String> volumes = container.getMounts().stream().filter(m -> m.getDriver() != null && !m.getDriver().isEmpty())
                .map(InspectContainerResponse.Mount::getName).filter(Objects::nonNull).toList();
        assertThat(volumes).as("the image's /storage volume").isNotEmpty();

        vm = provider.awaitReady(vm, READY);
        VmEndpoints ep = vm.requireEndpoints();
        assertThat(ep.host()).isEqualTo("127.0.0.1");
        assertThat(List.of(ep.serverPort(), ep.cdpPort(), ep.vncPort(), ep.vlcPort())).doesNotHaveDuplicates()
                .allSatisfy(p -> assertThat(p).isPositive());

        assertThat(TestDesktop.execute(ep, "echo dirty > " + MARKER).returncode()).isZero();
        assertThat(TestDesktop.execute(ep, "cat " + MARKER).output()).contains("dirty");

        RevertResult reverted = provider.revert(vm, DockerProvider.SNAPSHOT);
        assertThat(reverted.path()).isEqualTo(RevertPath.SNAPSHOT);
        assertThat(reverted.vm().backendId()).isEqualTo(vm.backendId());
        assertThat(TestDesktop.execute(reverted.vm().requireEndpoints(), "cat " + MARKER).returncode())
                .as("the marker written after the snapshot is gone").isNotZero();

        ResourceStats stats = provider.stats(reverted.vm());
        assertThat(stats.memoryUsageBytes()).isPositive();
        assertThat(stats.memoryLimitBytes()).isPositive();
        assertThat(stats.cpuPercent()).isGreaterThanOrEqualTo(0);
        assertThat(stats.netRxBytes()).isGreaterThanOrEqualTo(0);

        provider.destroy(reverted.vm());
        assertThat(TestDesktop.containersOf(owner)).isEmpty();
        for (String volume : volumes) {
            assertThat(volumeExists(volume)).as("volume %s removed with the container", volume).isFalse();
        }
        assertThat(Files.exists(stateDir.resolve("docker").resolve(vmId))).as("the QMP folder").isFalse();
        assertThatCode(() -> provider.destroy(reverted.vm())).as("destroying a gone VM").doesNotThrowAnyException();
    }

    @Test
    void revert_recreates_the_container_under_the_same_vm_id_when_the_snapshot_is_missing() throws Exception {
        provider = create(Map.of());
        String vmId = "vm-" + UUID.randomUUID().toString().substring(0, 8);
        VmHandle vm = provider.awaitReady(provider.launch(vmId,
                provider.baseSpec().withLabels(Map.of(VmLabels.TOKEN, "tok-b"))), READY);
        assertThat(TestDesktop.execute(vm.requireEndpoints(), "echo dirty > " + MARKER).returncode()).isZero();
        Path socket = Path.of(vm.labels().get(VmContainers.QMP_DIR_LABEL)).resolve(VmContainers.QMP_SOCKET);
        try (QmpClient qmp = QmpClient.connect(socket, Duration.ofSeconds(30), () -> true)) {
            assertThat(qmp.humanMonitorCommand("delvm " + DockerProvider.SNAPSHOT, Duration.ofSeconds(30)).strip()).isEmpty();
        }

        RevertResult reverted = provider.revert(vm, DockerProvider.SNAPSHOT);

        assertThat(reverted.path()).isEqualTo(RevertPath.RECREATED);
        assertThat(reverted.vm().id()).isEqualTo(vmId);
        assertThat(reverted.vm().backendId()).isNotEqualTo(vm.backendId());
        assertThat(TestDesktop.containersOf(owner)).singleElement().satisfies(c -> {
            assertThat(c.getId()).isEqualTo(reverted.vm().backendId());
            assertThat(c.getNames()).containsExactly("/deskpool-" + vmId);
            assertThat(c.getLabels()).containsEntry(VmLabels.VM_ID, vmId).containsEntry(VmLabels.TOKEN, "tok-b");
        });
        assertThat(TestDesktop.execute(reverted.vm().requireEndpoints(), "cat " + MARKER).returncode()).isNotZero();

        RevertResult again = provider.revert(reverted.vm(), DockerProvider.SNAPSHOT);
        assertThat(again.path()).as("the recreated VM took a fresh snapshot").isEqualTo(RevertPath.SNAPSHOT);
        provider.destroy(again.vm());
        assertThat(TestDesktop.containersOf(owner)).isEmpty();
    }

    @Test
    void a_snapshot_revert_sets_the_guest_clock_to_the_providers_time() throws Exception {
        // The provider's clock runs three days ahead of the host, so a guest left at snapshot time (or set to the
        // host's time) is caught.
        Clock providerClock = Clock.offset(Clock.systemUTC(), CLOCK_OFFSET);
        provider = (DockerProvider) new DockerProviderFactory().create(
                TestDesktop.context(owner, TestDesktop.settings(Map.of()), stateDir, providerClock));
        VmHandle vm = provider.awaitReady(provider.launch("vm-" + UUID.randomUUID().toString().substring(0, 8),
                provider.baseSpec()), READY);
        long before = providerClock.instant().getEpochSecond();

        RevertResult reverted = provider.revert(vm, DockerProvider.SNAPSHOT);

        assertThat(reverted.path()).isEqualTo(RevertPath.SNAPSHOT);
        long guest = Long.parseLong(TestDesktop.execute(reverted.vm().requireEndpoints(), "date +%s").output().strip());
        long after = providerClock.instant().getEpochSecond();
        assertThat(guest).as("guest clock (epoch seconds) against the provider's").isBetween(before - 30, after + 30);
        provider.destroy(reverted.vm());
    }

    private DockerProvider create(Map<String, String> overrides) {
        return (DockerProvider) new DockerProviderFactory().create(
                TestDesktop.context(owner, TestDesktop.settings(overrides), stateDir));
    }

    private static boolean volumeExists(String name) {
        try {
            TestDesktop.docker().inspectVolumeCmd(name).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }
}
