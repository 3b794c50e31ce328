package io.deskpool.provider.docker;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.qemu.QmpClient;
import io.deskpool.core.spi.ForkRequest;
import io.deskpool.core.spi.RevertPath;
import io.deskpool.core.spi.RevertResult;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmLabels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Forking a VM container of the test image into two copies on the real engine (QEMU inside each container), then
 * what becomes of parent and copies. The tests share the containers (each boot costs seconds of software
 * emulation), so they run in a fixed order; each checks one behaviour.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerForkTest {
    private static final Duration READY = Duration.ofSeconds(180);
    private static final String COUNT_SLEEPERS = "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; "
            + "echo; done | grep -c '^sleep 100000 '";

    private final String owner = "test-fork-" + UUID.randomUUID().toString().substring(0, 8);
    @TempDir
    static Path stateDir;
    private DockerProvider provider;
    private VmHandle parent;
    private final List<VmHandle> children = new ArrayList<>();
    private byte[] screenAtFork;

    @BeforeAll
    void fork_a_prepared_container_into_two_copies() throws Exception {
        provider = (DockerProvider) new DockerProviderFactory().create(
                TestDesktop.context(owner, TestDesktop.settings(Map.of()), stateDir));
        parent = provider.awaitReady(provider.launch("parent-" + owner, provider.baseSpec()), READY);
        VmEndpoints ep = parent.requireEndpoints();
        assertThat(TestDesktop.execute(ep, "echo prepared > /home/user/setup.txt").returncode()).isZero();
        assertThat(TestDesktop.execute(ep, "sleep 100000 > /dev/null 2>&1 &").returncode()).isZero();
        screenAtFork = screenshot(ep);

        children.addAll(provider.fork(new ForkRequest(parent, List.of("a-" + owner, "b-" + owner),
                Map.of(VmLabels.TOKEN, "tok-fork"), READY)));
    }

    @AfterAll
    void remove_every_container() {
        if (provider != null) {
            provider.close();
        }
        TestDesktop.removeAllOf(owner);
    }

    @Test
    @Order(0)
    void the_test_images_qemu_7_2_has_block_migration_so_the_provider_says_it_can_fork() throws Exception {
        Path socket = Path.of(parent.labels().get(VmContainers.QMP_DIR_LABEL)).resolve(VmContainers.QMP_SOCKET);
        try (QmpClient qmp = QmpClient.connect(socket, Duration.ofSeconds(30), () -> true)) {
            BlockMigrationSupport support = BlockMigrationSupport.ask(qmp, Duration.ofSeconds(30));
            assertThat(support.qemuVersion()).startsWith("7.2.");
            assertThat(support.available()).isTrue();
        }
        assertThat(provider.forkSupport().supported()).isTrue();
        assertThat(children).as("the fork made its copies").hasSize(2);
    }

    @Test
    @Order(1)
    void every_copy_has_the_setup_file_the_running_process_and_the_parents_screen() throws Exception {
        assertThat(children).hasSize(2);
        for (VmHandle child : children) {
            VmEndpoints ep = child.requireEndpoints();
            assertThat(TestDesktop.execute(ep, "cat /home/user/setup.txt").output()).isEqualTo("prepared\n");
            assertThat(TestDesktop.execute(ep, COUNT_SLEEPERS).output().strip()).isEqualTo("1");
            assertThat(screenshot(ep)).isEqualTo(screenAtFork);
        }
    }

    @Test
    @Order(2)
    void every_copy_is_a_container_of_its_own_labelled_as_a_copy() {
        assertThat(children).extracting(VmHandle::backendId).doesNotHaveDuplicates().doesNotContain(parent.backendId());
        assertThat(children).allSatisfy(c -> assertThat(c.labels()).containsEntry(VmLabels.FORKED_FROM, parent.id())
                .containsEntry(VmLabels.TOKEN, "tok-fork").containsEntry(VmLabels.OWNER, owner));
        assertThat(TestDesktop.containersOf(owner)).hasSize(3);
    }

    @Test
    @Order(3)
    void the_parent_runs_on_unchanged() throws Exception {
        VmEndpoints ep = parent.requireEndpoints();
        assertThat(TestDesktop.execute(ep, "cat /home/user/setup.txt").output()).isEqualTo("prepared\n");
        assertThat(TestDesktop.execute(ep, COUNT_SLEEPERS).output().strip()).isEqualTo("1");
        assertThat(screenshot(ep)).isEqualTo(screenAtFork);
    }

    @Test
    @Order(4)
    void a_write_in_one_copy_is_seen_neither_in_the_other_nor_in_the_parent() throws Exception {
        assertThat(TestDesktop.execute(children.get(0).requireEndpoints(), "echo mine > /home/user/branch.txt")
                .returncode()).isZero();

        assertThat(TestDesktop.execute(children.get(1).requireEndpoints(), "test -e /home/user/branch.txt")
                .returncode()).isEqualTo(1);
        assertThat(TestDesktop.execute(parent.requireEndpoints(), "test -e /home/user/branch.txt").returncode())
                .isEqualTo(1);
    }

    @Test
    @Order(5)
    void no_state_file_is_left_in_any_qmp_folder() throws Exception {
        try (Stream<Path> files = Files.walk(stateDir.resolve("docker"))) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".state"))).isEmpty();
        }
    }

    @Test
    @Order(6)
    void a_parent_revert_ends_connections_opened_since_its_snapshot() throws Exception {
        VmEndpoints ep = parent.requireEndpoints();
        try (Socket idle = new Socket(ep.host(), ep.cdpPort());
             Socket halfRequest = new Socket(ep.host(), ep.serverPort())) {
            halfRequest.getOutputStream().write("GET /screenshot HTTP/1.1\r\nHost: x\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            idle.setSoTimeout(20_000);
            halfRequest.setSoTimeout(20_000);

            RevertResult result = provider.revert(parent, DockerProvider.SNAPSHOT);
            parent = result.vm();

            assertThat(result.path()).isEqualTo(RevertPath.SNAPSHOT);
            assertThat(endOfStreamOrReset(idle.getInputStream())).as("idle connection ended").isTrue();
            assertThat(endOfStreamOrReset(halfRequest.getInputStream())).as("half-sent request ended").isTrue();
        }
        assertThat(TestDesktop.execute(parent.requireEndpoints(), "test -e /home/user/setup.txt").returncode())
                .isEqualTo(1);
    }

    @Test
    @Order(7)
    void a_copy_reverts_to_a_clean_vm_by_recreating_its_container() throws Exception {
        RevertResult result = provider.revert(children.get(1), DockerProvider.SNAPSHOT);
        children.set(1, result.vm());

        assertThat(result.path()).isEqualTo(RevertPath.RECREATED);
        assertThat(TestDesktop.execute(result.vm().requireEndpoints(), "test -e /home/user/setup.txt").returncode())
                .isEqualTo(1);
    }

    @Test
    @Order(8)
    void destroying_parent_and_copies_leaves_no_container_and_no_folder() throws Exception {
        for (VmHandle vm : children) {
            provider.destroy(vm);
        }
        provider.destroy(parent);

        assertThat(TestDesktop.containersOf(owner)).isEmpty();
        try (Stream<Path> dirs = Files.list(stateDir.resolve("docker"))) {
            assertThat(dirs.filter(d -> d.getFileName().toString().contains(owner))).isEmpty();
        }
    }

    @Test
    @Order(9)
    void without_fast_revert_the_provider_refuses_to_fork_with_the_reason() {
        DockerProvider slow = (DockerProvider) new DockerProviderFactory().create(
                TestDesktop.context(owner, TestDesktop.settings(Map.of("DOCKER_FAST_REVERT", "false")), stateDir));
        try {
            assertThat(slow.forkSupport().supported()).isFalse();
            assertThatThrownBy(() -> slow.fork(new ForkRequest(parent, List.of("x-" + owner), Map.of(), READY)))
                    .isInstanceOfSatisfying(DeskpoolException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_BY_PROVIDER);
                        assertThat(e.getMessage()).contains("DOCKER_FAST_REVERT=false");
                    });
        } finally {
            slow.close();
        }
    }

    private static byte[] screenshot(VmEndpoints ep) throws Exception {
        HttpResponse<byte[]> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
                .send(HttpRequest.newBuilder(URI.create("http://" + ep.host() + ":" + ep.serverPort() + "/screenshot"))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static boolean endOfStreamOrReset(InputStream in) throws Exception {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection still hangs after the revert", e);
        } catch (SocketException e) {
            return true;
        }
    }
}
