package io.deskpool.provider.docker;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.spi.ForkRequest;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.spi.VmLabels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A fork of a VM whose container's QEMU has no block migration (QEMU 9.1 and later, as in the real image's range)
 * is refused as unsupported, with the reason, before any copy starts. QEMU 9.1 cannot run here, so the parent's
 * QMP socket is a stand-in ({@link QmpStandIn}) answering as QEMU 9.1 does; the provider runs on the real engine.
 * That the test image's QEMU 7.2 still forks is {@link DockerForkTest}.
 */
class DockerForkWithoutBlockMigrationTest {
    private final String owner = "test-noblk-" + UUID.randomUUID().toString().substring(0, 8);
    @TempDir
    Path stateDir;

    @AfterEach
    void cleanUp() {
        TestDesktop.removeAllOf(owner);
    }

    @Test
    void a_vm_whose_qemu_has_no_block_migration_is_refused_as_unsupported_with_the_reason_and_no_copy_starts()
            throws Exception {
        Path qmpDir = Files.createDirectories(stateDir.resolve("qemu-9.1"));
        try (QmpStandIn qemu91 = new QmpStandIn(qmpDir.resolve(VmContainers.QMP_SOCKET), Map.of(
                "query-version", BlockMigrationSupportTest.QEMU_9_1_VERSION,
                "query-migrate-capabilities", BlockMigrationSupportTest.QEMU_9_1_CAPABILITIES));
             DockerProvider provider = (DockerProvider) new DockerProviderFactory().create(
                     TestDesktop.context(owner, TestDesktop.settings(Map.of()), stateDir))) {
            assertThat(provider.forkSupport().supported()).as("before any QEMU was asked").isTrue();
            VmHandle parent = new VmHandle("vm-parent", DockerProvider.NAME, "container-of-a-qemu-9.1", Optional.empty(),
                    Map.of(VmLabels.OWNER, owner, VmContainers.QMP_DIR_LABEL, qmpDir.toString()), Instant.EPOCH);

            assertThatThrownBy(() -> provider.fork(new ForkRequest(parent, List.of("copy-" + owner), Map.of(),
                    Duration.ofSeconds(60)))).isInstanceOfSatisfying(DeskpoolException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_BY_PROVIDER);
                        assertThat(e.getMessage()).contains("vm-parent").contains("QEMU 9.1.0")
                                .contains("no block migration");
                    });

            assertThat(qemu91.commands()).as("nothing but the two questions reached the parent's QEMU")
                    .containsExactly("query-version", "query-migrate-capabilities");
            assertThat(TestDesktop.containersOf(owner)).as("no copy was started").isEmpty();
            assertThat(provider.forkSupport()).satisfies(support -> {
                assertThat(support.supported()).isFalse();
                assertThat(support.reason()).contains("QEMU 9.1.0").contains("no block migration");
            });
        }
    }
}
