package io.deskpool.server.chaos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine restart fault's script is found from where the jar is, not from the directory chaos was started in; a
 * missing one stops the run before it starts, naming what is missing.
 */
class EngineRestartScriptTest {
    @TempDir
    Path tmp;

    private Path checkoutWithJar() throws IOException {
        Path checkout = tmp.resolve("deskpool");
        Files.createDirectories(checkout.resolve("scripts"));
        Files.writeString(checkout.resolve("scripts/docker-engine.sh"), "#!/usr/bin/env bash\n");
        Files.createDirectories(checkout.resolve("server/target"));
        return Files.writeString(checkout.resolve("server/target/deskpool.jar"), "");
    }

    private static ChaosOptions options(String... args) {
        return ChaosOptions.parse(List.of(args));
    }

    @Test
    void the_script_is_the_one_of_the_checkout_the_jar_was_built_in() throws Exception {
        Path jar = checkoutWithJar();

        assertThat(EngineRestartScript.locate(Optional.empty(), jar))
                .isEqualTo(tmp.resolve("deskpool/scripts/docker-engine.sh").toAbsolutePath());
    }

    @Test
    void run_from_the_build_the_script_of_this_checkout_is_found() throws Exception {
        Path script = EngineRestartScript.locate(Optional.empty(), EngineRestartScript.codeLocation());

        assertThat(script).isAbsolute().isRegularFile().endsWith(Path.of("scripts", "docker-engine.sh"));
        assertThat(Files.readString(script)).contains("restart");
    }

    @Test
    void the_restart_command_names_the_script_by_its_absolute_path() throws Exception {
        Path jar = checkoutWithJar();

        Optional<List<String>> command = EngineRestartScript.command(options("--provider", "docker"), jar);

        assertThat(command).contains(List.of("bash", tmp.resolve("deskpool/scripts/docker-engine.sh").toAbsolutePath()
                .toString(), "restart"));
    }

    @Test
    void a_script_given_is_used_wherever_the_jar_is() throws Exception {
        Path script = Files.writeString(tmp.resolve("engine.sh"), "#!/usr/bin/env bash\n");
        Path jarOutsideACheckout = Files.writeString(tmp.resolve("deskpool.jar"), "");

        assertThat(EngineRestartScript.locate(Optional.of(script), jarOutsideACheckout)).isEqualTo(script.toAbsolutePath());
    }

    @Test
    void a_jar_outside_a_checkout_is_refused_naming_the_missing_script_and_the_ways_out() throws Exception {
        Path jarOutsideACheckout = Files.writeString(tmp.resolve("deskpool.jar"), "");

        assertThatThrownBy(() -> EngineRestartScript.command(options("--provider", "docker"), jarOutsideACheckout))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("scripts/docker-engine.sh")
                .hasMessageContaining(tmp.toAbsolutePath().toString())
                .hasMessageContaining("--engine-script FILE")
                .hasMessageContaining("--faults");
    }

    @Test
    void a_script_given_that_does_not_exist_is_refused() {
        assertThatThrownBy(() -> EngineRestartScript.locate(Optional.of(tmp.resolve("nope.sh")), tmp.resolve("x.jar")))
                .isInstanceOf(IOException.class).hasMessageContaining("--engine-script " + tmp.resolve("nope.sh"));
    }

    @Test
    void without_engine_restarts_no_script_is_needed() throws Exception {
        Path jarOutsideACheckout = Files.writeString(tmp.resolve("deskpool.jar"), "");

        assertThat(EngineRestartScript.command(options("--provider", "qemu"), jarOutsideACheckout)).isEmpty();
        assertThat(EngineRestartScript.command(options("--provider", "docker", "--faults", "kill_leased,server_kill"),
                jarOutsideACheckout)).isEmpty();
    }
}
