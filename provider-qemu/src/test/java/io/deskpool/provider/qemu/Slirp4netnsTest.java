package io.deskpool.provider.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The real slirp4netns in a network namespace made by unshare, as an isolated VM's network helper runs. */
class Slirp4netnsTest {
    @TempDir
    Path dir;

    @Test
    void a_host_port_another_process_took_is_reported_as_taken_so_the_start_is_retried_with_new_ports() throws Exception {
        Optional<Path> slirp = ExecutableLookup.find("slirp4netns");
        Optional<Path> unshare = ExecutableLookup.find("unshare");
        assumeTrue(slirp.isPresent() && unshare.isPresent(), "slirp4netns and unshare are needed (apt-get install "
                + "slirp4netns util-linux)");
        Process namespace = new ProcessBuilder(unshare.get().toString(), "--user", "--map-root-user", "--net", "sleep", "60")
                .redirectErrorStream(true).start();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread.sleep(200);
            assumeTrue(namespace.isAlive(), "unshare could not make a user and network namespace on this host");

            assertThatThrownBy(() -> new Slirp4netns(slirp.get()).start(new VmDirectory(dir), namespace.pid(),
                    "127.0.0.1", List.of(new ForwardedPorts.Forward(taken.getLocalPort(), 5000))))
                    .isInstanceOf(GuestNetwork.PortTakenException.class);
        } finally {
            namespace.destroyForcibly().waitFor();
        }
    }
}
