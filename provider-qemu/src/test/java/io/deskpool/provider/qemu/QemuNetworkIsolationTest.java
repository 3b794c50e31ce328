package io.deskpool.provider.qemu;

import io.deskpool.core.guest.GuestExec;
import io.deskpool.core.net.MarkerServer;
import io.deskpool.core.net.TestInternet;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What code running as root inside a real test-guest VM can connect to, with the default QEMU_GUEST_NETWORK
 * (isolated). The guest tries, with busybox nc, a listener on the host's loopback (through the gateway 10.0.2.2,
 * as SLIRP maps it), another VM's forwarded port, the host's own non-loopback addresses, and addresses in the
 * private, link-local and CGNAT ranges; none may answer. An address outside the internal ranges (TEST-NET-3,
 * inside {@link TestInternet}) stands for the internet and must answer: that proves the guest's traffic leaves,
 * so the refusals are the firewall's doing and not a dead network. Every target that must be refused is a
 * listener of this test, so without the isolation (QEMU_GUEST_NETWORK=host, which
 * {@code -Ddeskpool.test.guestNetwork=host} selects) the same tests fail instead of reaching anything else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QemuNetworkIsolationTest {
    private static final String OWNER = "isolation-test";

    @TempDir
    static Path stateDir;

    private TestInternet internet;
    private MarkerServer hostLoopback;
    private MarkerServer hostAnyAddress;
    private QemuProvider provider;
    private VmHandle vm;
    private VmHandle other;

    @BeforeAll
    void start_the_stand_in_internet_and_two_vms() throws Exception {
        assumeTrue(TestInternet.possibleHere(), "needs root and iproute2 to make the stand-in internet "
                + "(a network namespace); skipped");
        assumeTrue(ExecutableLookup.find("slirp4netns").isPresent(), "needs slirp4netns (apt-get install "
                + "slirp4netns); skipped");
        internet = TestInternet.create();
        hostLoopback = new MarkerServer(InetAddress.getLoopbackAddress(), "host-loopback");
        hostAnyAddress = new MarkerServer(InetAddress.getByName("0.0.0.0"), "host-any-address");
        // The guest must reach the internet here, so no QEMU_RESTRICT_NETWORK.
        provider = TestProviders.create(OWNER, stateDir, java.time.Clock.systemUTC(), Map.of(
                "QEMU_RESTRICT_NETWORK", "false",
                "QEMU_GUEST_NETWORK", System.getProperty("deskpool.test.guestNetwork", "isolated")));
        VmHandle a = provider.launch("vm-alice", provider.baseSpec());
        VmHandle b = provider.launch("vm-bob", provider.baseSpec());
        vm = provider.awaitReady(a, Duration.ofSeconds(120));
        other = provider.awaitReady(b, Duration.ofSeconds(120));
    }

    @AfterAll
    void remove_everything() throws IOException {
        for (VmHandle h : new VmHandle[] {vm, other}) {
            if (provider != null && h != null) {
                provider.destroy(h);
            }
        }
        for (AutoCloseable c : new AutoCloseable[] {hostLoopback, hostAnyAddress, internet}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
    }

    /** What the guest's {@code nc} got from {@code address:port}: a marker line when it connected. */
    private String connectFromGuest(VmHandle from, String address, int port) throws IOException {
        GuestExec.Result r = GuestCalls.shell(from.requireEndpoints(),
                "nc -w 3 " + address + " " + port + " </dev/null 2>&1; true");
        return r.output();
    }

    @Test
    @Order(1)
    void the_guest_reaches_an_address_on_the_internet() throws Exception {
        assertThat(connectFromGuest(vm, TestInternet.INTERNET, TestInternet.PORT))
                .contains(MarkerServer.line("internet") + " at " + TestInternet.INTERNET);
    }

    @Test
    @Order(2)
    void the_guest_cannot_reach_a_service_on_the_hosts_loopback_through_the_gateway() throws Exception {
        assertThat(connectFromGuest(vm, "10.0.2.2", hostLoopback.port())).doesNotContain(MarkerServer.MARKER);
        assertThat(connectFromGuest(vm, "10.0.2.2", hostAnyAddress.port())).doesNotContain(MarkerServer.MARKER);
    }

    @Test
    @Order(3)
    void the_guest_cannot_reach_another_vms_forwarded_ports() throws Exception {
        VmEndpoints bob = other.requireEndpoints();
        assertThat(GuestCalls.getStatus(bob, bob.serverPort(), "/screenshot")).as("bob's VM answers the host")
                .isEqualTo(200);
        for (int port : List.of(bob.serverPort(), bob.cdpPort())) {
            String got = GuestCalls.shell(vm.requireEndpoints(), "printf 'GET /json/version HTTP/1.0\\r\\n\\r\\n' "
                    + "| nc -w 3 10.0.2.2 " + port + " 2>&1; true").output();
            assertThat(got).as("alice's guest to bob's port %d", port).doesNotContain("HTTP/1.");
        }
    }

    @Test
    @Order(4)
    void the_guest_cannot_reach_the_hosts_own_addresses() throws Exception {
        List<String> addresses = TestInternet.hostAddresses();
        assertThat(addresses).contains(TestInternet.HOST_END);
        for (String address : addresses) {
            assertThat(connectFromGuest(vm, address, hostAnyAddress.port())).as("host address %s", address)
                    .doesNotContain(MarkerServer.MARKER);
        }
    }

    @Test
    @Order(5)
    void the_guest_cannot_reach_private_link_local_or_cgnat_addresses() throws Exception {
        for (String address : List.of(TestInternet.PRIVATE, TestInternet.LINK_LOCAL, TestInternet.CGNAT)) {
            assertThat(connectFromGuest(vm, address, TestInternet.PORT)).as("internal address %s", address)
                    .doesNotContain(MarkerServer.MARKER);
        }
    }

    @Test
    @Order(5)
    void qemus_dns_in_the_namespace_goes_to_the_helpers_resolver_not_to_an_internal_address() throws Exception {
        Path dir = provider.vmDirectory("vm-alice");
        assumeTrue(Files.exists(dir.resolve("slirp4netns.pid")), "only isolated VMs have a network helper");
        long qemu = VmRecord.readFrom(dir.resolve("vm.json")).pid();
        Process p = new ProcessBuilder("nsenter", "-t", Long.toString(qemu), "-U", "-m", "cat", "/etc/resolv.conf")
                .redirectErrorStream(true).start();
        String seen = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(seen.lines().filter(l -> l.startsWith("nameserver"))).containsExactly("nameserver 10.0.2.3");
    }

    @Test
    @Order(6)
    void after_a_revert_the_guest_still_reaches_the_internet_and_still_not_the_host() throws Exception {
        var result = provider.revert(vm, provider.defaultSnapshot());
        vm = result.vm();

        assertThat(result.path()).isEqualTo(RevertPath.SNAPSHOT);
        assertThat(connectFromGuest(vm, TestInternet.INTERNET, TestInternet.PORT)).contains(MarkerServer.MARKER);
        assertThat(connectFromGuest(vm, "10.0.2.2", hostLoopback.port())).doesNotContain(MarkerServer.MARKER);
    }

    @Test
    @Order(7)
    void a_restarted_provider_gives_an_adopted_vm_its_network_helper_back_when_it_died() throws Exception {
        Path dir = provider.vmDirectory("vm-bob");
        assumeTrue(Files.exists(dir.resolve("slirp4netns.pid")), "only isolated VMs have a network helper");
        long helper = Long.parseLong(Files.readString(dir.resolve("slirp4netns.pid")).strip());
        ProcessHandle.of(helper).orElseThrow().destroyForcibly();
        ProcessHandle.of(helper).ifPresent(p -> p.onExit().join());

        QemuProvider restarted = TestProviders.create(OWNER, stateDir, java.time.Clock.systemUTC(),
                Map.of("QEMU_RESTRICT_NETWORK", "false"));

        assertThat(restarted.listOwned()).extracting(VmHandle::id).contains("vm-bob");
        long again = Long.parseLong(Files.readString(dir.resolve("slirp4netns.pid")).strip());
        assertThat(again).isNotEqualTo(helper);
        VmEndpoints bob = other.requireEndpoints();
        assertThat(GuestCalls.getStatus(bob, bob.serverPort(), "/screenshot")).isEqualTo(200);
    }

    @Test
    @Order(8)
    void destroy_stops_the_vms_network_helper_with_its_qemu() throws Exception {
        Path dir = provider.vmDirectory("vm-bob");
        assumeTrue(Files.exists(dir.resolve("slirp4netns.pid")), "only isolated VMs have a network helper");
        long helper = Long.parseLong(Files.readString(dir.resolve("slirp4netns.pid")).strip());
        long qemu = VmRecord.readFrom(dir.resolve("vm.json")).pid();

        provider.destroy(other);
        other = null;

        assertThat(ProcState.alive(helper)).as("slirp4netns runs").isFalse();
        assertThat(ProcState.alive(qemu)).as("QEMU runs").isFalse();
        assertThat(dir).doesNotExist();
    }

    @Test
    @Order(9)
    void when_qemu_dies_its_network_helper_goes_with_it() throws Exception {
        Path dir = provider.vmDirectory("vm-alice");
        assumeTrue(Files.exists(dir.resolve("slirp4netns.pid")), "only isolated VMs have a network helper");
        long helper = Long.parseLong(Files.readString(dir.resolve("slirp4netns.pid")).strip());
        long qemu = VmRecord.readFrom(dir.resolve("vm.json")).pid();

        ProcessHandle.of(qemu).orElseThrow().destroyForcibly();

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ProcState.alive(helper) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(ProcState.alive(helper)).as("slirp4netns runs 10 s after its QEMU was killed").isFalse();
    }
}
