package io.deskpool.provider.qemu;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.guest.GuestExec;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.RevertResult;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmLabels;
import io.deskpool.core.testing.ScreenMatch;
import io.deskpool.core.testing.VncScreen;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The life of one real test-guest VM, from launch to destroy. The tests share the VM because every boot costs
 * several seconds of software emulation on a shared machine, so they run in a fixed order; each still checks
 * one behaviour. The provider's clock runs three days ahead of the host so that a revert that did not set the
 * guest clock would be caught.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QemuProviderLifecycleTest {
    private static final Duration CLOCK_OFFSET = Duration.ofDays(3);
    private static final String OWNER = "lifecycle-test";

    @TempDir
    static Path stateDir;

    private QemuProvider provider;
    private VmHandle vm;
    private long firstPid;
    private Path baseImage;
    private long baseSize;
    private FileTime baseModified;

    @BeforeAll
    void launch_a_vm_and_wait_until_it_is_ready() throws Exception {
        provider = TestProviders.create(OWNER, stateDir, Clock.offset(Clock.systemUTC(), CLOCK_OFFSET), Map.of());
        VmHandle launched = provider.launch("vm-life", provider.baseSpec().withLabels(Map.of("purpose", "test")));
        VmRecord record = VmRecord.readFrom(provider.vmDirectory("vm-life").resolve("vm.json"));
        baseImage = Path.of(record.image());
        baseSize = Files.size(baseImage);
        baseModified = Files.getLastModifiedTime(baseImage);
        firstPid = record.pid();
        vm = provider.awaitReady(launched, Duration.ofSeconds(120));
    }

    /** True when the peer closed or reset the connection; a read timeout (a hanging connection) throws. */
    private static boolean endOfStreamOrReset(Socket socket) throws Exception {
        try {
            return socket.getInputStream().read() == -1;
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the connection still hangs " + socket.getSoTimeout() + " ms after the revert", e);
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @AfterAll
    void remove_the_vm_whatever_happened() {
        if (provider != null && vm != null) {
            provider.destroy(vm);
        }
    }

    @Test
    @Order(1)
    void a_ready_vm_carries_the_owner_and_id_labels_and_answers_screenshot_and_cdp() throws Exception {
        assertThat(vm.labels()).containsEntry(VmLabels.OWNER, OWNER).containsEntry(VmLabels.VM_ID, "vm-life")
                .containsEntry("purpose", "test");
        VmEndpoints ep = vm.requireEndpoints();
        assertThat(ep.host()).isEqualTo("127.0.0.1");
        assertThat(GuestCalls.getStatus(ep, ep.serverPort(), "/screenshot")).isEqualTo(200);
        assertThat(GuestCalls.getStatus(ep, ep.cdpPort(), "/json/version")).isEqualTo(200);
        assertThat(ProcessHandle.of(firstPid)).isPresent();
    }

    @Test
    @Order(1)
    void every_endpoint_port_is_a_reachable_service() throws Exception {
        VmEndpoints ep = vm.requireEndpoints();
        assertThat(ep.vncPort()).as("vnc_port").isPositive();
        assertThat(java.util.Set.of(ep.serverPort(), ep.cdpPort(), ep.vncPort(), ep.vlcPort())).hasSize(4);
        assertThat(GuestCalls.getStatus(ep, ep.serverPort(), "/screenshot")).isEqualTo(200);
        assertThat(GuestCalls.getStatus(ep, ep.cdpPort(), "/json/version")).isEqualTo(200);
        // VLC's HTTP interface answers, and wants OSWorld's password.
        assertThat(GuestCalls.getStatus(ep, ep.vlcPort(), "/requests/status.xml")).isEqualTo(401);
        try (VncScreen screen = VncScreen.connect(ep.vncWebSocketUri(), Duration.ofSeconds(20))) {
            assertThat(screen.width()).isEqualTo(TestGuestImage.DEFAULT_SCREEN.width());
            assertThat(screen.height()).isEqualTo(TestGuestImage.DEFAULT_SCREEN.height());
        }
    }

    @Test
    @Order(1)
    void the_vnc_screen_shows_what_the_screenshot_shows() throws Exception {
        VmEndpoints ep = vm.requireEndpoints();
        // A change after boot: the screen must follow the desktop state, not show a boot-time image.
        assertThat(GuestCalls.shell(ep, "python -c \"import pyautogui; pyautogui.moveTo(321, 123); "
                + "pyautogui.write('seen over VNC')\"").returncode()).isZero();
        BufferedImage screenshot = ImageIO.read(ep.serverUri("/screenshot").toURL());

        assertThat(ScreenMatch.eventually(() -> {
            try (VncScreen screen = VncScreen.connect(ep.vncWebSocketUri(), Duration.ofSeconds(20))) {
                return screen.frame();
            }
        }, screenshot, Duration.ofSeconds(20))).as("pixels differing from /screenshot").isZero();
    }

    @Test
    @Order(1)
    void the_guest_display_sleeps_while_the_desktop_does_not_change() throws Exception {
        // Counted in the guest's own CPU ticks (100 a second), so a busy host does not change the answer: a
        // display that woke itself up for ever took nearly all of them, and a whole host core per idle VM.
        GuestExec.Result ticks = GuestCalls.shell(vm.requireEndpoints(),
                "p=$(grep -l '^deskpool-displa' /proc/[0-9]*/comm | head -n 1 | cut -d/ -f3); "
                        + "a=$(cut -d' ' -f14,15 /proc/$p/stat); sleep 2; b=$(cut -d' ' -f14,15 /proc/$p/stat); "
                        + "echo $a $b");
        String[] t = ticks.output().trim().split("\\s+");
        assertThat(t).as("user and system ticks of the display process before and after, from %s", ticks).hasSize(4);
        long used = Long.parseLong(t[2]) + Long.parseLong(t[3]) - Long.parseLong(t[0]) - Long.parseLong(t[1]);
        assertThat(used).as("guest CPU ticks the display used in 2 s without a change (of 200)").isLessThan(100);
    }

    @Test
    @Order(2)
    void with_path_to_vm_empty_the_vm_boots_the_test_guest_built_by_the_script() {
        assertThat(baseImage.getFileName().toString()).startsWith("deskpool-test-guest-").endsWith(".qcow2");
        assertThat(provider.baseSpec().image()).isEmpty();
        assertThat(provider.baseSpec().screen()).isEqualTo(TestGuestImage.DEFAULT_SCREEN);
    }

    @Test
    @Order(3)
    void revert_loads_the_snapshot_so_a_marker_written_through_execute_is_gone() throws Exception {
        VmEndpoints ep = vm.requireEndpoints();
        assertThat(GuestCalls.shell(ep, "echo dirty > /home/user/marker && cat /home/user/marker").output())
                .isEqualTo("dirty\n");

        RevertResult result = provider.revert(vm, provider.defaultSnapshot());

        assertThat(result.path()).isEqualTo(RevertPath.SNAPSHOT);
        VmEndpoints after = result.vm().requireEndpoints();
        assertThat(GuestCalls.shell(after, "test -e /home/user/marker").returncode()).isEqualTo(1);
        assertThat(GuestCalls.getStatus(after, after.serverPort(), "/screenshot")).isEqualTo(200);
        assertThat(ProcessHandle.of(firstPid)).as("no reboot: same QEMU process").isPresent();
    }

    @Test
    @Order(4)
    void revert_ends_connections_opened_since_the_snapshot_instead_of_leaving_them_hanging() throws Exception {
        VmEndpoints ep = vm.requireEndpoints();
        try (Socket idle = new Socket(ep.host(), ep.cdpPort());
             Socket halfRequest = new Socket(ep.host(), ep.serverPort())) {
            halfRequest.getOutputStream().write("GET /screenshot HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            idle.setSoTimeout(20_000);
            halfRequest.setSoTimeout(20_000);

            provider.revert(vm, provider.defaultSnapshot());

            assertThat(endOfStreamOrReset(idle)).as("idle connection ended").isTrue();
            assertThat(endOfStreamOrReset(halfRequest)).as("connection with a half-sent request ended").isTrue();
        }
    }

    @Test
    @Order(5)
    void revert_sets_the_guest_clock_to_the_providers_time() throws Exception {
        RevertResult result = provider.revert(vm, provider.defaultSnapshot());

        long guest = Long.parseLong(GuestCalls.shell(result.vm().requireEndpoints(), "date +%s").output().strip());
        long expected = Instant.now().plus(CLOCK_OFFSET).getEpochSecond();
        assertThat(guest).isBetween(expected - 30, expected + 30);
    }

    @Test
    @Order(6)
    void revert_to_a_snapshot_the_vm_does_not_have_fails_with_unknown_snapshot() {
        assertThatThrownBy(() -> provider.revert(vm, "no-such-snapshot"))
                .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_SNAPSHOT);
                    assertThat(e.getMessage()).contains("no-such-snapshot").contains(provider.defaultSnapshot());
                });
    }

    @Test
    @Order(7)
    void a_second_vm_at_the_same_time_gets_distinct_ports() throws Exception {
        VmHandle second = provider.launch("vm-second", provider.baseSpec());
        try {
            VmEndpoints a = vm.requireEndpoints();
            VmEndpoints b = second.requireEndpoints();
            var taken = java.util.List.of(a.serverPort(), a.cdpPort(), a.vncPort(), a.vlcPort());
            assertThat(java.util.List.of(b.serverPort(), b.cdpPort(), b.vncPort(), b.vlcPort()))
                    .doesNotContainAnyElementsOf(taken).doesNotHaveDuplicates();
            // QEMU itself listens on them (the guest need not be up for the forward to accept).
            try (var s = new java.net.Socket(b.host(), b.serverPort())) {
                assertThat(s.isConnected()).isTrue();
            }
        } finally {
            provider.destroy(second);
        }
        assertThat(provider.vmDirectory("vm-second")).doesNotExist();
    }

    @Test
    @Order(8)
    void a_restarted_provider_finds_the_running_vm_and_reverts_it_by_snapshot() throws Exception {
        QemuProvider restarted = TestProviders.create(OWNER, stateDir,
                Clock.offset(Clock.systemUTC(), CLOCK_OFFSET), Map.of());

        assertThat(restarted.listOwned()).singleElement().satisfies(h -> {
            assertThat(h.id()).isEqualTo("vm-life");
            assertThat(h.labels()).containsEntry(VmLabels.OWNER, OWNER).containsEntry("purpose", "test");
            assertThat(h.requireEndpoints()).isEqualTo(vm.requireEndpoints());
        });
        VmHandle adopted = restarted.listOwned().get(0);
        assertThat(GuestCalls.shell(adopted.requireEndpoints(), "touch /home/user/marker").returncode()).isZero();

        RevertResult result = restarted.revert(adopted, restarted.defaultSnapshot());

        assertThat(result.path()).isEqualTo(RevertPath.SNAPSHOT);
        assertThat(GuestCalls.shell(result.vm().requireEndpoints(), "test -e /home/user/marker").returncode()).isEqualTo(1);
    }

    @Test
    @Order(9)
    void a_provider_with_another_owner_sees_the_vm_as_foreign_and_not_as_its_own() {
        QemuProvider other = TestProviders.create("someone-else", stateDir);

        assertThat(other.listOwned()).isEmpty();
        assertThat(other.listForeign()).extracting(VmHandle::id).containsExactly("vm-life");
        assertThat(provider.vmDirectory("vm-life")).isDirectory();
    }

    @Test
    @Order(10)
    void revert_of_a_vm_whose_qemu_died_restarts_it_from_the_clean_template() throws Exception {
        long pid = VmRecord.readFrom(provider.vmDirectory("vm-life").resolve("vm.json")).pid();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());

        RevertResult result = provider.revert(vm, provider.defaultSnapshot());
        vm = result.vm();

        assertThat(result.path()).isEqualTo(RevertPath.RESTORED);
        VmRecord record = VmRecord.readFrom(provider.vmDirectory("vm-life").resolve("vm.json"));
        assertThat(record.pid()).isNotEqualTo(pid);
        assertThat(record.snapshot()).as("a new clean snapshot was taken").isEqualTo(provider.defaultSnapshot());
        VmEndpoints ep = vm.requireEndpoints();
        assertThat(GuestCalls.getStatus(ep, ep.serverPort(), "/screenshot")).isEqualTo(200);
    }

    @Test
    @Order(11)
    void the_base_image_is_never_written() throws Exception {
        assertThat(Files.size(baseImage)).isEqualTo(baseSize);
        assertThat(Files.getLastModifiedTime(baseImage)).isEqualTo(baseModified);
    }

    @Test
    @Order(12)
    void destroy_ends_qemu_and_deletes_the_overlay_and_a_second_destroy_is_fine() throws Exception {
        Path dir = provider.vmDirectory("vm-life");
        long pid = VmRecord.readFrom(dir.resolve("vm.json")).pid();
        assertThat(dir.resolve("overlay.qcow2")).exists();

        provider.destroy(vm);

        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(dir).doesNotExist();
        assertThat(provider.listOwned()).isEmpty();
        provider.destroy(vm);
        vm = null;
    }
}
