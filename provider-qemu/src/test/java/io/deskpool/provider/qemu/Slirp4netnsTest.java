package io.deskpool.provider.qemu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The network helper of an isolated VM never outlives its VM. The chaos soak found helpers left running after their
 * VM had been removed, twice: the state directory was full, so the pid file could not be written, and a server was
 * killed between starting the helper and writing the file; both times the clean-up looked for it by that file. The
 * namespace here is that of a plain {@code unshare --user --net} process. A host port taken meanwhile must read as
 * taken, so the VM's start is retried with new ports.
 */
class Slirp4netnsTest {
    @TempDir
    Path tmp;
    private Path full;
    private Process namespace;

    @BeforeEach
    void a_network_namespace() throws Exception {
        assumeTrue(ExecutableLookup.find("slirp4netns").isPresent(), "needs slirp4netns (apt-get install "
                + "slirp4netns); skipped");
        namespace = new ProcessBuilder("unshare", "--user", "--map-root-user", "--net", "sleep", "60")
                .redirectErrorStream(true).start();
        assumeTrue(namespace.isAlive(), "unshare could not make a user and network namespace here; skipped");
    }

    /** The VM's directory is a tiny tmpfs filled to the last byte (only root can mount one; skipped otherwise). */
    private void a_full_vm_directory() throws Exception {
        full = Files.createDirectory(tmp.resolve("vm"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", full.toString())
                .redirectErrorStream(true).start();
        assumeTrue(mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0,
                "needs root to mount a small tmpfs that can be filled up; skipped");
        try (OutputStream out = Files.newOutputStream(full.resolve("filler"))) {
            byte[] block = new byte[4096];
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException filled) {
            // No space left on device: what the test needs.
        }
    }

    @AfterEach
    void clean_up() throws Exception {
        if (namespace != null) {
            namespace.destroyForcibly().waitFor();
        }
        if (full != null) {
            new ProcessBuilder("umount", "-l", full.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static List<ProcessHandle> helpersOf(VmDirectory dir) {
        String socket = dir.helperSocket().toString();
        return ProcessHandle.allProcesses()
                .filter(h -> ProcState.alive(h.pid()) && ProcState.commandLine(h.pid()).contains(socket))
                .toList();
    }

    @Test
    void a_helper_whose_pid_file_cannot_be_written_is_stopped_not_left_running() throws Exception {
        a_full_vm_directory();
        VmDirectory dir = new VmDirectory(full);
        Slirp4netns helper = new Slirp4netns(ExecutableLookup.find("slirp4netns").orElseThrow());

        assertThatThrownBy(() -> helper.start(dir, namespace.pid(), "127.0.0.1", List.of()))
                .isInstanceOf(IOException.class);

        List<ProcessHandle> left = helpersOf(dir);
        left.forEach(ProcessHandle::destroyForcibly);
        assertThat(left).as("slirp4netns processes of the failed start").isEmpty();
    }

    @Test
    void a_running_helper_without_its_pid_file_is_found_and_stopped() throws Exception {
        VmDirectory dir = new VmDirectory(Files.createDirectory(tmp.resolve("vm")));
        Slirp4netns helper = new Slirp4netns(ExecutableLookup.find("slirp4netns").orElseThrow());
        helper.start(dir, namespace.pid(), "127.0.0.1", List.of());
        Files.delete(dir.helperPidFile());

        helper.stop(dir, Duration.ofSeconds(2));

        List<ProcessHandle> left = helpersOf(dir);
        left.forEach(ProcessHandle::destroyForcibly);
        assertThat(left).as("slirp4netns processes after the stop").isEmpty();
    }

    @Test
    void a_host_port_another_process_took_is_reported_as_taken_so_the_start_is_retried_with_new_ports() throws Exception {
        VmDirectory dir = new VmDirectory(Files.createDirectory(tmp.resolve("vm")));
        Slirp4netns helper = new Slirp4netns(ExecutableLookup.find("slirp4netns").orElseThrow());
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {

            assertThatThrownBy(() -> helper.start(dir, namespace.pid(), "127.0.0.1",
                    List.of(new ForwardedPorts.Forward(taken.getLocalPort(), 5000))))
                    .isInstanceOf(GuestNetwork.PortTakenException.class);
        }
        assertThat(helpersOf(dir)).as("slirp4netns processes of the failed start").isEmpty();
    }
}
