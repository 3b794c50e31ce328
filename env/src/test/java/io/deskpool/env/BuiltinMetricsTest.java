package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.env.builtin.CheckIncludeExclude;
import io.deskpool.env.builtin.CompareFileHash;
import io.deskpool.env.builtin.CompareTextFile;
import io.deskpool.env.builtin.ExactMatch;
import io.deskpool.env.builtin.IsInList;
import io.deskpool.env.builtin.LiteralMatch;
import io.deskpool.env.builtin.MatchInList;
import io.deskpool.env.eval.EvaluationFiles;
import io.deskpool.env.spi.EvalFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BuiltinMetricsTest {
    @TempDir
    Path dir;

    private static JsonNode j(String s) throws Exception {
        return EnvJson.MAPPER.readTree(s);
    }

    private static final JsonNode NO_OPTIONS = EnvJson.MAPPER.createObjectNode();

    /** The files of an evaluation whose directory is {@code dir}. */
    private EvalFiles files() throws Exception {
        return new EvaluationFiles(dir, 1024 * 1024);
    }

    @Test
    void exact_match_compares_like_python() throws Exception {
        ExactMatch m = new ExactMatch();

        assertThat(m.score(j("\"on\""), j("{\"expected\": \"on\"}"), NO_OPTIONS, files())).isEqualTo(1);
        assertThat(m.score(j("\"on\\n\""), j("{\"expected\": \"on\"}"), NO_OPTIONS, files())).isEqualTo(0);
        assertThat(m.score(j("1"), j("{\"expected\": 1.0}"), NO_OPTIONS, files())).isEqualTo(1);
        assertThat(m.score(j("[1, \"a\"]"), j("{\"expected\": [1, \"a\"]}"), NO_OPTIONS, files())).isEqualTo(1);
        assertThatThrownBy(() -> m.score(j("\"x\""), null, NO_OPTIONS, files())).hasMessageContaining("expected rule");
    }

    @Test
    void check_include_exclude_needs_every_include_and_no_exclude() throws Exception {
        CheckIncludeExclude m = new CheckIncludeExclude();
        JsonNode rules = j("{\"include\": [\"alpha\", \"beta\"], \"exclude\": [\"error\"]}");

        assertThat(m.score(j("\"alpha and beta\""), rules, NO_OPTIONS, files())).isEqualTo(1);
        assertThat(m.score(j("\"alpha only\""), rules, NO_OPTIONS, files())).isEqualTo(0);
        assertThat(m.score(j("\"alpha beta error\""), rules, NO_OPTIONS, files())).isEqualTo(0);
        assertThat(m.score(j("null"), rules, NO_OPTIONS, files())).isEqualTo(0);
    }

    @Test
    void list_membership_both_ways() throws Exception {
        assertThat(new MatchInList().score(j("\"b\""), j("{\"expected\": [\"a\", \"b\"]}"), NO_OPTIONS, files())).isEqualTo(1);
        assertThat(new MatchInList().score(j("\"c\""), j("{\"expected\": [\"a\", \"b\"]}"), NO_OPTIONS, files())).isEqualTo(0);
        assertThat(new IsInList().score(j("[\"a\", \"b\"]"), j("{\"expected\": \"a\"}"), NO_OPTIONS, files())).isEqualTo(1);
        assertThat(new IsInList().score(j("\"xabcx\""), j("{\"expected\": \"abc\"}"), NO_OPTIONS, files())).isEqualTo(1);
    }

    @Test
    void literal_match_compares_strings_or_lists_optionally_ignoring_case() throws Exception {
        LiteralMatch m = new LiteralMatch();

        assertThat(m.score(j("\"Hello\""), j("\"hello\""), j("{\"ignore_case\": true}"), files())).isEqualTo(1);
        assertThat(m.score(j("\"Hello\""), j("\"hello\""), NO_OPTIONS, files())).isEqualTo(0);
        assertThat(m.score(j("[1, \"A\"]"), j("[\"1\", \"a\"]"), j("{\"type\": \"list\", \"ignore_case\": true}"), files())).isEqualTo(1);
    }

    @Test
    void compare_text_file_reads_both_files_with_osworlds_options() throws Exception {
        Path a = Files.writeString(dir.resolve("a.txt"), "Hello\tWorld\n");
        Path b = Files.writeString(dir.resolve("b.txt"), "hello world");
        CompareTextFile m = new CompareTextFile();
        JsonNode pa = j("\"" + a + "\"");
        JsonNode pb = j("\"" + b + "\"");

        assertThat(m.score(pa, pb, NO_OPTIONS, files())).isEqualTo(0);
        assertThat(m.score(pa, pb, j("{\"ignore_blanks\": true, \"ignore_case\": true}"), files())).isEqualTo(1);
        assertThat(m.score(j("null"), pb, NO_OPTIONS, files())).isEqualTo(0);
    }

    @Test
    void compare_file_hash_matches_a_file_or_a_hex_digest() throws Exception {
        Path a = Files.write(dir.resolve("a.bin"), new byte[]{0, 1, 2, (byte) 0xff});
        Path b = Files.write(dir.resolve("b.bin"), new byte[]{0, 1, 2, (byte) 0xff});
        Path c = Files.write(dir.resolve("c.bin"), new byte[]{9});
        CompareFileHash m = new CompareFileHash();

        assertThat(m.score(j("\"" + a + "\""), j("\"" + b + "\""), NO_OPTIONS, files())).isEqualTo(1);
        assertThat(m.score(j("\"" + a + "\""), j("\"" + c + "\""), NO_OPTIONS, files())).isEqualTo(0);
        // md5 of 00 01 02 ff
        String md5 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(new byte[]{0, 1, 2, (byte) 0xff}));
        assertThat(m.score(j("\"" + a + "\""), j("{\"expected\": \"" + md5 + "\"}"), j("{\"algorithm\": \"md5\"}"), files())).isEqualTo(1);
        assertThat(m.score(j("null"), j("\"" + b + "\""), NO_OPTIONS, files())).isEqualTo(0);
    }
}
