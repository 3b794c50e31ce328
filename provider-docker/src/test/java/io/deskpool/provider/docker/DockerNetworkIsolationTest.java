package io.deskpool.provider.docker;

import io.deskpool.core.net.MarkerServer;
import io.deskpool.core.net.TestInternet;
import io.deskpool.core.spi.VmHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What code running as root inside the VM of a real test-image container can connect to, with the default
 * DOCKER_GUEST_NETWORK (isolated). The test image's guest, like the OSWorld image's, reaches whatever its
 * container reaches; the guest tries another VM container's in-VM server over the Docker bridge, the bridge's
 * gateway and every other address of the host (a listener of this test on all addresses), and addresses in the
 * private, link-local and CGNAT ranges; none may answer. An address outside the internal ranges (TEST-NET-3, in
 * {@link TestInternet}) stands for the internet and must answer. Every refused target is this test's own
 * listener or container, so without the firewall ({@code -Ddeskpool.test.guestNetwork=open}) the same tests fail
 * instead of reaching anything else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerNetworkIsolationTest {
    private static final Duration READY = Duration.ofSeconds(180);

    private final String owner = "test-isolation-" + UUID.randomUUID().toString().substring(0, 8);
    @TempDir
    static Path stateDir;
    private TestInternet internet;
    private MarkerServer hostAnyAddress;
    private DockerProvider provider;
    private VmHandle alice;
    private VmHandle bob;

    @BeforeAll
    void start_the_stand_in_internet_and_two_vm_containers() throws Exception {
        assumeTrue(TestInternet.possibleHere(), "needs root and iproute2 to make the stand-in internet "
                + "(a network namespace); skipped");
        internet = TestInternet.create();
        hostAnyAddress = new MarkerServer(InetAddress.getByName("0.0.0.0"), "host-any-address");
        provider = (DockerProvider) new DockerProviderFactory().create(TestDesktop.context(owner,
                TestDesktop.settings(Map.of("DOCKER_GUEST_NETWORK",
                        System.getProperty("deskpool.test.guestNetwork", "isolated"))), stateDir));
        VmHandle a = provider.launch("vm-alice-" + owner, provider.baseSpec());
        VmHandle b = provider.launch("vm-bob-" + owner, provider.baseSpec());
        alice = provider.awaitReady(a, READY);
        bob = provider.awaitReady(b, READY);
    }

    @AfterAll
    void remove_everything() throws Exception {
        if (provider != null) {
            provider.close();
        }
        TestDesktop.removeAllOf(owner);
        if (hostAnyAddress != null) {
            hostAnyAddress.close();
        }
        if (internet != null) {
            internet.close();
        }
    }

    private String fromAlicesGuest(String command) throws Exception {
        return TestDesktop.execute(alice.requireEndpoints(), command + " 2>&1; true").output();
    }

    private String connectFromAlicesGuest(String address, int port) throws Exception {
        return fromAlicesGuest("nc -w 3 " + address + " " + port + " </dev/null");
    }

    private static String bridgeAddress(VmHandle vm) {
        return TestDesktop.docker().inspectContainerCmd(vm.backendId()).exec().getNetworkSettings().getNetworks()
                .values().iterator().next().getIpAddress();
    }

    private static String gatewayAddress(VmHandle vm) {
        return TestDesktop.docker().inspectContainerCmd(vm.backendId()).exec().getNetworkSettings().getNetworks()
                .values().iterator().next().getGateway();
    }

    @Test
    void the_guest_reaches_an_address_on_the_internet() throws Exception {
        assertThat(connectFromAlicesGuest(TestInternet.INTERNET, TestInternet.PORT))
                .contains(MarkerServer.line("internet") + " at " + TestInternet.INTERNET);
    }

    @Test
    void the_guest_cannot_reach_another_vm_containers_ports_over_the_bridge() throws Exception {
        String bobAddress = bridgeAddress(bob);
        assertThat(TestDesktop.execute(bob.requireEndpoints(), "true").returncode()).as("bob's VM answers the host")
                .isZero();
        for (int port : List.of(5000, 9222)) {
            assertThat(fromAlicesGuest("printf 'GET /json/version HTTP/1.0\\r\\n\\r\\n' | nc -w 3 " + bobAddress + " "
                    + port)).as("alice's guest to bob's container %s:%d", bobAddress, port).doesNotContain("HTTP/1.");
        }
    }

    @Test
    void the_guest_cannot_reach_the_host_through_the_bridge_gateway_or_any_host_address() throws Exception {
        var addresses = new java.util.ArrayList<>(TestInternet.hostAddresses());
        addresses.add(0, gatewayAddress(alice));
        assertThat(addresses).contains(TestInternet.HOST_END);
        for (String address : addresses) {
            assertThat(connectFromAlicesGuest(address, hostAnyAddress.port())).as("host address %s", address)
                    .doesNotContain(MarkerServer.MARKER);
        }
    }

    @Test
    void the_guest_cannot_reach_private_link_local_or_cgnat_addresses() throws Exception {
        for (String address : List.of(TestInternet.PRIVATE, TestInternet.LINK_LOCAL, TestInternet.CGNAT)) {
            assertThat(connectFromAlicesGuest(address, TestInternet.PORT)).as("internal address %s", address)
                    .doesNotContain(MarkerServer.MARKER);
        }
    }
}
