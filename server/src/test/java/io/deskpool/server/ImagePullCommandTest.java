package io.deskpool.server;

import io.deskpool.core.settings.Settings;
import io.deskpool.core.testing.MutableClock;
import io.deskpool.server.image.DownloadPolicy;
import io.deskpool.server.image.ArchiveServer;
import io.deskpool.server.image.TestArchives;
import io.deskpool.server.image.OsImage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.deskpool.server.image.ArchiveServer.Fault;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code image pull} end to end against a loopback stand-in for Hugging Face serving a real zip. */
class ImagePullCommandTest {
    private static final DownloadPolicy QUICK = new DownloadPolicy(Duration.ofSeconds(5), Duration.ofSeconds(5), 3,
            Duration.ofMillis(10), Duration.ZERO);

    @TempDir
    Path dest;
    private byte[] image;
    private byte[] archive;
    private ArchiveServer hf;

    private record Run(int status, String out, String err) {
        String lastLine() {
            List<String> lines = out.lines().toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        image = TestArchives.qcow2Image(3 << 20, 7);
        archive = TestArchives.zip("Ubuntu.qcow2", image);
        hf = ArchiveServer.start(OsImage.UBUNTU, archive);
    }

    @AfterEach
    void tearDown() {
        hf.close();
    }

    private Run pull(DownloadPolicy policy, String... args) {
        var all = new ArrayList<>(List.of("pull", "--dest", dest.toString()));
        all.addAll(Arrays.asList(args));
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = ImagePullCommand.run(all, Settings.of(Map.of("HF_ENDPOINT", hf.endpoint())),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                policy, new MutableClock(Instant.parse("2026-01-01T00:00:00Z")));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run pull(String... args) {
        return pull(QUICK, args);
    }

    private List<String> filesInDest() throws IOException {
        try (Stream<Path> files = Files.list(dest)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void pulls_from_hf_endpoint_unzips_checks_and_prints_path_to_vm_last() throws IOException {
        Run run = pull();

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.lastLine()).isEqualTo("PATH_TO_VM=" + dest.resolve("Ubuntu.qcow2"));
        assertThat(Files.readAllBytes(dest.resolve("Ubuntu.qcow2"))).isEqualTo(image);
        assertThat(filesInDest()).containsExactly("Ubuntu.qcow2");
        assertThat(hf.ranges()).containsExactly("");
        assertThat(run.err()).contains("Downloading " + hf.endpoint() + "/datasets/xlangai/ubuntu_osworld/resolve/main/Ubuntu.qcow2.zip")
                .containsPattern("Downloading Ubuntu.qcow2.zip: 100.0% \\(\\d+ MB of \\d+ MB\\), [0-9.]+ MB/s, \\S+ left")
                .contains("qcow2 v3, virtual size 25.0 GB");
    }

    @Test
    void help_prints_the_options_downloads_nothing_and_succeeds() throws IOException {
        Run run = pull("--help");

        assertThat(run.status()).isZero();
        assertThat(run.out()).contains("Usage: java -jar deskpool.jar image pull", "--os ubuntu|windows", "--dest DIR",
                "--url URL", "--keep-archive").doesNotContain("Unknown option");
        assertThat(hf.ranges()).isEmpty();
    }

    @Test
    void help_names_the_settings_behind_the_defaults_as_settings_lists_them() {
        Run run = pull("--help");

        assertThat(run.out()).contains("the setting VM_IMAGE_DIR, vm_data", "the setting HF_ENDPOINT, https://huggingface.co")
                .doesNotContain("default IMAGE_DIR");
    }

    @Test
    void a_second_run_with_the_image_present_does_nothing_and_says_so() {
        assertThat(pull().status()).isZero();

        Run again = pull();

        assertThat(again.status()).isZero();
        assertThat(again.err()).contains("is already there").contains("nothing to do");
        assertThat(again.lastLine()).isEqualTo("PATH_TO_VM=" + dest.resolve("Ubuntu.qcow2"));
        assertThat(hf.ranges()).hasSize(1);
    }

    @Test
    void a_download_cut_off_midway_resumes_from_where_it_stopped() throws IOException {
        hf.plan(Fault.cutAfter(1 << 20));

        Run run = pull();

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(hf.ranges()).containsExactly("", "bytes=1048576-");
        assertThat(run.err()).contains("resuming from 1 MB");
        assertThat(Files.readAllBytes(dest.resolve("Ubuntu.qcow2"))).isEqualTo(image);
    }

    @Test
    void an_interrupted_run_leaves_a_part_file_that_the_next_run_resumes() throws IOException {
        hf.plan(Fault.cutAfter(700_000), Fault.status(503));
        DownloadPolicy giveUpAtOnce = new DownloadPolicy(Duration.ofSeconds(5), Duration.ofSeconds(5), 1,
                Duration.ofMillis(10), Duration.ZERO);

        Run first = pull(giveUpAtOnce);

        assertThat(first.status()).isEqualTo(1);
        assertThat(first.err()).contains("HTTP 503").contains("the next run resumes from there");
        assertThat(filesInDest()).containsExactly("Ubuntu.qcow2.zip.part");
        assertThat(Files.size(dest.resolve("Ubuntu.qcow2.zip.part"))).isEqualTo(700_000);

        Run second = pull();

        assertThat(second.status()).as(second.err()).isZero();
        assertThat(second.err()).contains("(resuming: ");
        assertThat(hf.ranges()).endsWith("bytes=700000-");
        assertThat(Files.readAllBytes(dest.resolve("Ubuntu.qcow2"))).isEqualTo(image);
    }

    @Test
    void a_part_file_that_is_already_whole_gets_416_and_counts_as_complete() throws IOException {
        Files.write(dest.resolve("Ubuntu.qcow2.zip.part"), archive);

        Run run = pull();

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(hf.ranges()).containsExactly("bytes=" + archive.length + "-");
        assertThat(run.err()).contains("complete");
        assertThat(Files.readAllBytes(dest.resolve("Ubuntu.qcow2"))).isEqualTo(image);
    }

    @Test
    void a_server_that_ignores_range_makes_the_download_start_over() throws IOException {
        Files.write(dest.resolve("Ubuntu.qcow2.zip.part"), new byte[1000]);
        hf.ignoreRange();

        Run run = pull();

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.err()).contains("does not resume downloads");
        assertThat(Files.readAllBytes(dest.resolve("Ubuntu.qcow2"))).isEqualTo(image);
    }

    @Test
    void an_archive_that_is_not_a_zip_is_deleted_and_leaves_no_image() throws IOException {
        hf.serve("<html><body>rate limited</body></html>".getBytes(StandardCharsets.UTF_8));

        Run run = pull();

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("Ubuntu.qcow2.zip is corrupt: it is not a zip archive").contains("run again");
        assertThat(run.out()).isEmpty();
        assertThat(filesInDest()).isEmpty();
    }

    @Test
    void an_archive_with_damaged_data_fails_and_leaves_nothing_that_looks_valid() throws IOException {
        byte[] damaged = archive.clone();
        for (int i = archive.length / 2; i < archive.length / 2 + 64; i++) {
            damaged[i] ^= 0x5a;
        }
        hf.serve(damaged);

        Run run = pull();

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("is corrupt");
        assertThat(filesInDest()).isEmpty();
    }

    @Test
    void an_archive_whose_image_is_not_qcow2_is_rejected() throws IOException {
        hf.serve(TestArchives.zip("Ubuntu.qcow2", "<!DOCTYPE html><p>oops</p>".getBytes(StandardCharsets.UTF_8)));

        Run run = pull();

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("is corrupt: the archive's Ubuntu.qcow2 is a web page");
        assertThat(filesInDest()).isEmpty();
    }

    @Test
    void a_missing_file_fails_at_once_with_the_status_and_the_url() {
        Run run = pull("--url", hf.endpoint() + "/datasets/nobody/resolve/main/nothing.zip");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("HTTP 404").contains("/datasets/nobody/resolve/main/nothing.zip");
        assertThat(hf.ranges()).isEmpty();
    }

    @Test
    void a_non_image_file_in_the_images_place_is_left_alone() throws IOException {
        Files.writeString(dest.resolve("Ubuntu.qcow2"), "my notes");

        Run run = pull();

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("exists but is").contains("move it away");
        assertThat(Files.readString(dest.resolve("Ubuntu.qcow2"))).isEqualTo("my notes");
        assertThat(hf.ranges()).isEmpty();
    }

    @Test
    void windows_is_fetched_from_its_own_dataset_and_the_archive_can_be_kept() throws IOException {
        byte[] windows = TestArchives.qcow2Image(100_000, 11);
        try (ArchiveServer winHf = ArchiveServer.start(OsImage.WINDOWS,
                TestArchives.zip("Windows-10-x64.qcow2", windows))) {
            var out = new ByteArrayOutputStream();
            int status = ImagePullCommand.run(List.of("pull", "--os", "windows", "--dest", dest.toString(), "--keep-archive"),
                    Settings.of(Map.of("HF_ENDPOINT", winHf.endpoint() + "/")), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), QUICK,
                    new MutableClock(Instant.EPOCH));

            assertThat(status).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8).trim()).isEqualTo("PATH_TO_VM=" + dest.resolve("Windows-10-x64.qcow2"));
            assertThat(filesInDest()).containsExactly("Windows-10-x64.qcow2", "Windows-10-x64.qcow2.zip");
        }
    }

    @Test
    void bad_options_print_the_usage() {
        assertThat(pull("--os", "macos").status()).isEqualTo(2);
        assertThat(pull("--colour").status()).isEqualTo(2);
    }
}
