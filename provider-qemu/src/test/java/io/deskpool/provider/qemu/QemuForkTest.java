package io.deskpool.provider.qemu;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Forking one real test-guest VM into two copies, then what becomes of parent, copies and the fork's files. The
 * tests share the VMs (every boot costs seconds of software emulation), so they run in a fixed order; each checks
 * one behaviour. Guest memory is a file here (QEMU_MEMORY_DIR, the default): the copies map the parent's memory
 * copy-on-write; {@link QemuForkStreamedMemoryTest} runs the same with anonymous memory, which the stream carries.
 * The provider's clock runs three days ahead of the host and the parent's clock is put on the host's before the
 * fork, so that a copy or a parent whose clock was not set after the fork would be caught.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QemuForkTest {
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration CLOCK_OFFSET = Duration.ofDays(3);
    /** How far a guest clock may be from the provider's: a clock that was not set is days off. */
    private static final long CLOCK_TOLERANCE_SECONDS = 600;
    /** Counts the guest's processes running "sleep 100000" (pids alone get reused after a revert). */
    private static final String COUNT_SLEEPERS = "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; "
            + "done | grep -c '^sleep 100000 '";

    @TempDir
    static Path stateDir;

    private QemuProvider provider;
    private VmHandle parent;
    private final List<VmHandle> children = new ArrayList<>();
    private long parentPid;
    private String sleeperPid;
    private byte[] screenAtFork;

    private String randomSum;
    /**
     * A connection into the parent opened just before the fork with half a request sent (the guest's server waits
     * 30 s for the rest, far longer than a fork of the test guest takes).
     */
    private Socket heldAcrossFork;

    /** Settings besides the test defaults. */
    Map<String, String> settings() {
        return Map.of();
    }

    @BeforeAll
    void fork_a_prepared_vm_into_two_copies() throws Exception {
        provider = TestProviders.create("fork-test", stateDir, Clock.offset(Clock.systemUTC(), CLOCK_OFFSET),
                settings());
        parent = provider.awaitReady(provider.launch("parent", provider.baseSpec()), READY);
        VmEndpoints ep = parent.requireEndpoints();
        // The parent starts on the provider's time: put it on the host's, three days behind, so that a clock left
        // as the state was saved shows.
        assertThat(GuestCalls.shell(ep, "date -s @" + Instant.now().getEpochSecond()).returncode()).isZero();
        assertThat(guestEpoch(ep)).as("premise: the parent's clock is days behind the provider's before the fork")
                .isLessThan(providerEpoch() - Duration.ofDays(1).toSeconds());
        // The "setup": a file, a running process, and a change on the screen (a window).
        assertThat(GuestCalls.shell(ep, "echo prepared > /home/user/setup.txt").returncode()).isZero();
        randomSum = GuestCalls.shell(ep, "dd if=/dev/urandom of=/home/user/random bs=1M count=16 2>/dev/null; "
                + "md5sum /home/user/random").output();
        assertThat(randomSum).contains("/home/user/random");
        sleeperPid = GuestCalls.shell(ep, "sleep 100000 > /dev/null 2>&1 & echo $!").output().strip();
        assertThat(GuestCalls.shell(ep, COUNT_SLEEPERS).output().strip()).isEqualTo("1");
        parentPid = VmRecord.readFrom(provider.vmDirectory("parent").resolve("vm.json")).pid();
        screenAtFork = GuestCalls.screenshot(ep);
        heldAcrossFork = new Socket(ep.host(), ep.cdpPort());
        heldAcrossFork.setSoTimeout(60_000);
        heldAcrossFork.getOutputStream().write("GET /json/version HTTP/1.1\r\nHost: parent\r\n"
                .getBytes(StandardCharsets.US_ASCII));

        children.addAll(provider.fork(new ForkRequest(parent, List.of("child-a", "child-b"),
                Map.of(VmLabels.TOKEN, "tok-test"), READY)));
    }

    @AfterAll
    void remove_every_vm() throws Exception {
        if (heldAcrossFork != null) {
            heldAcrossFork.close();
        }
        if (provider != null) {
            children.forEach(provider::destroy);
            if (parent != null) {
                provider.destroy(parent);
            }
        }
    }

    @Test
    @Order(0)
    void a_connection_into_the_parent_open_across_the_fork_still_carries_its_request_and_answer() throws Exception {
        // The parent's process and network ran on, so its connections are not stale: ending them, as a copy's
        // network backend is swapped, would cut off the parent's clients for nothing.
        heldAcrossFork.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII));

        InputStream in = heldAcrossFork.getInputStream();
        assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
    }

    @Test
    @Order(1)
    void every_copy_runs_on_the_providers_clock_not_on_the_parents_clock_at_the_fork() throws Exception {
        for (VmHandle child : children) {
            assertThat(guestEpoch(child.requireEndpoints())).as("clock of %s", child.id())
                    .isBetween(providerEpoch() - CLOCK_TOLERANCE_SECONDS, providerEpoch() + CLOCK_TOLERANCE_SECONDS);
        }
    }

    @Test
    @Order(1)
    void the_parent_runs_on_the_providers_clock_after_standing_still_for_the_save() throws Exception {
        assertThat(guestEpoch(parent.requireEndpoints()))
                .isBetween(providerEpoch() - CLOCK_TOLERANCE_SECONDS, providerEpoch() + CLOCK_TOLERANCE_SECONDS);
    }

    @Test
    @Order(1)
    void every_copy_has_the_files_written_during_setup_byte_for_byte() throws Exception {
        for (VmHandle child : children) {
            assertThat(GuestCalls.shell(child.requireEndpoints(), "cat /home/user/setup.txt").output())
                    .isEqualTo("prepared\n");
            assertThat(GuestCalls.shell(child.requireEndpoints(), "md5sum /home/user/random").output())
                    .isEqualTo(randomSum);
        }
    }

    @Test
    @Order(2)
    void every_copy_runs_the_process_started_during_setup() throws Exception {
        for (VmHandle child : children) {
            VmEndpoints ep = child.requireEndpoints();
            assertThat(GuestCalls.shell(ep, "tr '\\0' ' ' < /proc/" + sleeperPid + "/cmdline").output())
                    .startsWith("sleep 100000");
        }
    }

    @Test
    @Order(3)
    void every_copys_screen_is_byte_identical_to_the_parents_at_the_fork() throws Exception {
        for (VmHandle child : children) {
            assertThat(GuestCalls.screenshot(child.requireEndpoints())).isEqualTo(screenAtFork);
        }
    }

    @Test
    @Order(4)
    void copies_get_their_own_ports_ids_and_labels() {
        assertThat(children).extracting(VmHandle::id).containsExactly("child-a", "child-b");
        var ports = new java.util.HashSet<Integer>();
        for (VmHandle vm : Stream.concat(Stream.of(parent), children.stream()).toList()) {
            VmEndpoints ep = vm.requireEndpoints();
            ports.addAll(List.of(ep.serverPort(), ep.cdpPort(), ep.vlcPort()));
        }
        assertThat(ports).hasSize(9);
        assertThat(children).allSatisfy(c -> assertThat(c.labels())
                .containsEntry(VmLabels.FORKED_FROM, "parent").containsEntry(VmLabels.TOKEN, "tok-test")
                .containsEntry(VmLabels.OWNER, "fork-test").containsEntry(VmLabels.VM_ID, c.id()));
    }

    @Test
    @Order(4)
    void with_memory_in_files_the_copies_map_one_frozen_copy_of_the_parents_memory() throws Exception {
        VmRecord parentRecord = VmRecord.readFrom(provider.vmDirectory("parent").resolve("vm.json"));
        for (VmHandle child : children) {
            VmRecord record = VmRecord.readFrom(provider.vmDirectory(child.id()).resolve("vm.json"));
            if (provider.memoryDirectory().isPresent()) {
                assertThat(record.memoryShared()).isFalse();
                assertThat(Path.of(record.memory())).hasParent(provider.memoryDirectory().get())
                        .isNotEqualTo(Path.of(parentRecord.memory()));
                assertThat(Path.of(record.memory()).getFileName().toString()).startsWith("fork-");
            } else {
                assertThat(record.memory()).isEmpty();
            }
        }
    }

    @Test
    @Order(5)
    void the_parent_keeps_running_in_the_same_process_with_its_state() throws Exception {
        VmEndpoints ep = parent.requireEndpoints();
        assertThat(VmRecord.readFrom(provider.vmDirectory("parent").resolve("vm.json")).pid()).isEqualTo(parentPid);
        assertThat(ProcessHandle.of(parentPid)).isPresent();
        assertThat(GuestCalls.shell(ep, "cat /home/user/setup.txt").output()).isEqualTo("prepared\n");
        assertThat(GuestCalls.shell(ep, COUNT_SLEEPERS).output().strip()).isEqualTo("1");
        assertThat(GuestCalls.screenshot(ep)).isEqualTo(screenAtFork);
    }

    @Test
    @Order(6)
    void a_write_in_one_copy_is_seen_neither_in_the_other_nor_in_the_parent() throws Exception {
        VmEndpoints a = children.get(0).requireEndpoints();
        assertThat(GuestCalls.shell(a, "echo mine > /home/user/branch.txt").returncode()).isZero();

        assertThat(GuestCalls.shell(a, "cat /home/user/branch.txt").output()).isEqualTo("mine\n");
        assertThat(GuestCalls.shell(children.get(1).requireEndpoints(), "test -e /home/user/branch.txt").returncode())
                .isEqualTo(1);
        assertThat(GuestCalls.shell(parent.requireEndpoints(), "test -e /home/user/branch.txt").returncode())
                .isEqualTo(1);
    }

    @Test
    @Order(7)
    void no_state_file_of_the_fork_is_left_once_the_copies_run() throws Exception {
        assertThat(forkDirs()).singleElement().satisfies(dir -> assertThat(dir.resolve("state")).doesNotExist());
    }

    @Test
    @Order(8)
    void a_copy_reverts_to_a_clean_vm_by_restarting_from_the_clean_template() throws Exception {
        VmHandle child = children.get(1);
        RevertResult result = provider.revert(child, provider.defaultSnapshot());
        children.set(1, result.vm());

        assertThat(result.path()).isEqualTo(RevertPath.RESTORED);
        VmEndpoints ep = result.vm().requireEndpoints();
        assertThat(GuestCalls.shell(ep, "test -e /home/user/setup.txt").returncode()).isEqualTo(1);
        assertThat(GuestCalls.shell(ep, COUNT_SLEEPERS).output().strip()).isEqualTo("0");
    }

    @Test
    @Order(9)
    void a_copy_restarted_from_the_template_reverts_in_place_next_time() throws Exception {
        VmHandle child = children.get(1);
        assertThat(GuestCalls.shell(child.requireEndpoints(), "touch /home/user/dirt").returncode()).isZero();

        RevertResult result = provider.revert(child, provider.defaultSnapshot());

        assertThat(result.path()).isEqualTo(RevertPath.SNAPSHOT);
        assertThat(GuestCalls.shell(result.vm().requireEndpoints(), "test -e /home/user/dirt").returncode()).isEqualTo(1);
    }

    @Test
    @Order(10)
    void the_parent_reverts_to_a_clean_vm_too() throws Exception {
        RevertResult result = provider.revert(parent, provider.defaultSnapshot());
        parent = result.vm();

        assertThat(result.path()).isEqualTo(RevertPath.RESTORED);
        assertThat(GuestCalls.shell(parent.requireEndpoints(), "test -e /home/user/setup.txt").returncode()).isEqualTo(1);
    }

    @Test
    @Order(11)
    void the_fork_files_go_when_the_last_vm_reading_them_is_gone() throws Exception {
        assertThat(forkDirs()).as("copy A still reads through the frozen overlay").hasSize(1);

        provider.destroy(children.get(0));

        assertThat(forkDirs()).isEmpty();
    }

    @Test
    @Order(12)
    void destroying_every_vm_leaves_only_the_clean_template() throws Exception {
        provider.destroy(children.get(1));
        provider.destroy(parent);
        children.clear();
        parent = null;

        try (Stream<Path> vms = Files.list(stateDir.resolve("qemu"))) {
            assertThat(vms).isEmpty();
        }
        try (Stream<Path> dirs = Files.list(stateDir.resolve("qemu-forks"))) {
            assertThat(dirs).singleElement().satisfies(d -> assertThat(d.getFileName().toString()).startsWith("clean-"));
        }
        if (provider.memoryDirectory().isPresent()) {
            try (Stream<Path> files = Files.list(provider.memoryDirectory().get())) {
                assertThat(files.filter(f -> f.getFileName().toString().endsWith(".ram")))
                        .as("no memory file is left").isEmpty();
            }
        }
    }

    private static long guestEpoch(VmEndpoints ep) throws Exception {
        return Long.parseLong(GuestCalls.shell(ep, "date +%s").output().strip());
    }

    private static long providerEpoch() {
        return Instant.now().plus(CLOCK_OFFSET).getEpochSecond();
    }

    private List<Path> forkDirs() throws Exception {
        try (Stream<Path> dirs = Files.list(stateDir.resolve("qemu-forks"))) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("fork-")).toList();
        }
    }
}
