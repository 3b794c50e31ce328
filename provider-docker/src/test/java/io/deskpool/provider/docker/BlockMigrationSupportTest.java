package io.deskpool.provider.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading a container QEMU's answers to {@code query-version} and {@code query-migrate-capabilities}. */
class BlockMigrationSupportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The test image's QEMU (Debian bookworm), recorded from it. */
    private static final String QEMU_7_2_VERSION = """
            {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}""";
    private static final String QEMU_7_2_CAPABILITIES = capabilities("xbzrle", "rdma-pin-all", "auto-converge",
            "zero-blocks", "compress", "events", "postcopy-ram", "x-colo", "release-ram", "block", "return-path",
            "pause-before-switchover", "multifd", "dirty-bitmaps", "postcopy-blocktime", "late-block-activate",
            "x-ignore-shared", "validate-uuid", "background-snapshot", "zero-copy-send", "postcopy-preempt");
    /** QEMU 8.2: block migration deprecated, still there. */
    private static final String QEMU_8_2_CAPABILITIES = capabilities("xbzrle", "rdma-pin-all", "auto-converge",
            "zero-blocks", "compress", "events", "postcopy-ram", "x-colo", "release-ram", "block", "return-path",
            "pause-before-switchover", "multifd", "dirty-bitmaps", "postcopy-blocktime", "late-block-activate",
            "x-ignore-shared", "validate-uuid", "background-snapshot", "zero-copy-send", "postcopy-preempt",
            "switchover-ack", "dirty-limit");
    /** QEMU 9.1: block migration removed with its capability (and compression). */
    static final String QEMU_9_1_VERSION = """
            {"qemu": {"micro": 0, "minor": 1, "major": 9}, "package": ""}""";
    static final String QEMU_9_1_CAPABILITIES = capabilities("xbzrle", "rdma-pin-all", "auto-converge",
            "zero-blocks", "events", "postcopy-ram", "x-colo", "release-ram", "return-path",
            "pause-before-switchover", "multifd", "dirty-bitmaps", "postcopy-blocktime", "late-block-activate",
            "x-ignore-shared", "validate-uuid", "background-snapshot", "zero-copy-send", "postcopy-preempt",
            "switchover-ack", "dirty-limit", "mapped-ram");

    @Test
    void the_test_images_qemu_7_2_has_block_migration() throws Exception {
        BlockMigrationSupport support = BlockMigrationSupport.of(json(QEMU_7_2_VERSION), json(QEMU_7_2_CAPABILITIES));

        assertThat(support.available()).isTrue();
        assertThat(support.qemuVersion()).isEqualTo("7.2.22");
        assertThat(support.missing()).isEmpty();
    }

    @Test
    void qemu_8_2_still_has_block_migration_though_deprecated() throws Exception {
        BlockMigrationSupport support = BlockMigrationSupport.of(
                json("{\"qemu\": {\"micro\": 2, \"minor\": 2, \"major\": 8}, \"package\": \"\"}"),
                json(QEMU_8_2_CAPABILITIES));

        assertThat(support.available()).isTrue();
    }

    @Test
    void qemu_9_1_has_no_block_migration_and_the_reason_says_which_qemu_and_what_is_missing() throws Exception {
        BlockMigrationSupport support = BlockMigrationSupport.of(json(QEMU_9_1_VERSION), json(QEMU_9_1_CAPABILITIES));

        assertThat(support.available()).isFalse();
        assertThat(support.missing()).containsExactly("block");
        assertThat(support.reason()).contains("QEMU 9.1.0").contains("block migration").contains("block");
    }

    @Test
    void the_capability_the_fork_turns_on_is_what_is_looked_for() {
        assertThat(BlockMigrationSupport.needed()).containsExactly("block");
    }

    @Test
    void answers_that_are_not_what_qemu_sends_count_as_no_block_migration() throws Exception {
        BlockMigrationSupport support = BlockMigrationSupport.of(json("{}"), json("{}"));

        assertThat(support.available()).isFalse();
        assertThat(support.qemuVersion()).isEqualTo("unknown");
    }

    static String capabilities(String... names) {
        var out = new StringBuilder("[");
        for (String name : names) {
            out.append(out.length() > 1 ? ", " : "").append("{\"state\": false, \"capability\": \"").append(name)
                    .append("\"}");
        }
        return out.append(']').toString();
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }
}
