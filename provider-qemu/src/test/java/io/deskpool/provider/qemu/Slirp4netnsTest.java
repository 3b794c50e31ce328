package io.deskpool.provider.qemu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The network helper of an isolated VM never outlives a failed start. The chaos soak found one left running after
 * its VM had been removed: the state directory was full, so its pid file could not be written, and the clean-up
 * looked for it by that file. Here the VM's directory is a tiny tmpfs filled to the last byte (only root can mount
 * one; skipped otherwise), and the namespace is that of a plain {@code unshare --user --net} process.
 */
class Slirp4netnsTest {
    @TempDir
    Path tmp;
    private Path full;
    private Process namespace;

    @BeforeEach
    void a_full_vm_directory_and_a_network_namespace() throws Exception {
        assumeTrue(ExecutableLookup.find("slirp4netns").isPresent(), "needs slirp4netns (apt-get install "
                + "slirp4netns); skipped");
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
        namespace = new ProcessBuilder("unshare", "--user", "--map-root-user", "--net", "sleep", "60")
                .redirectErrorStream(true).start();
        assumeTrue(namespace.isAlive(), "unshare could not make a user and network namespace here; skipped");
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

    @Test
    void a_helper_whose_pid_file_cannot_be_written_is_stopped_not_left_running() throws Exception {
        VmDirectory dir = new VmDirectory(full);
        Slirp4netns helper = new Slirp4netns(ExecutableLookup.find("slirp4netns").orElseThrow());

        assertThatThrownBy(() -> helper.start(dir, namespace.pid(), "127.0.0.1", List.of()))
                .isInstanceOf(IOException.class);

        String socket = dir.helperSocket().toString();
        List<ProcessHandle> left = ProcessHandle.allProcesses()
                .filter(h -> ProcState.alive(h.pid()) && ProcState.commandLine(h.pid()).contains(socket))
                .toList();
        left.forEach(ProcessHandle::destroyForcibly);
        assertThat(left).as("slirp4netns processes of the failed start").isEmpty();
    }
}
