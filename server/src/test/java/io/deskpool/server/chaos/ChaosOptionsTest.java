package io.deskpool.server.chaos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** {@code deskpool chaos} arguments: each value lands where the run reads it, and a bad one is refused with why. */
class ChaosOptionsTest {
    private static ChaosOptions parse(String... args) {
        return ChaosOptions.parse(List.of(args));
    }

    @Test
    void every_option_lands_in_the_options() {
        ChaosOptions o = parse("--minutes", "2.5", "--clients", "6", "--vms", "3", "--provider", "docker", "--json",
                "--health-interval", "4", "--fault-every", "7.5", "--freeze", "12", "--seed", "42",
                "--work-dir", "/tmp/chaos-work", "--faults", "kill_leased, SERVER_KILL",
                "--engine-script", "/opt/deskpool/scripts/docker-engine.sh");

        assertThat(o.length()).isEqualTo(Duration.ofSeconds(150));
        assertThat(o.clients()).isEqualTo(6);
        assertThat(o.episodeClients()).isEqualTo(2);
        assertThat(o.leaseClients()).isEqualTo(4);
        assertThat(o.vms()).isEqualTo(3);
        assertThat(o.provider()).isEqualTo("docker");
        assertThat(o.json()).isTrue();
        assertThat(o.healthInterval()).isEqualTo(Duration.ofSeconds(4));
        assertThat(o.faultEvery()).isEqualTo(Duration.ofMillis(7500));
        assertThat(o.freeze()).isEqualTo(Duration.ofSeconds(12));
        assertThat(o.seed()).isEqualTo(42);
        assertThat(o.workDir()).contains(Path.of("/tmp/chaos-work"));
        assertThat(o.faults()).containsExactlyInAnyOrder(FaultKind.KILL_LEASED, FaultKind.SERVER_KILL);
        assertThat(o.engineScript()).contains(Path.of("/opt/deskpool/scripts/docker-engine.sh"));
    }

    @Test
    void without_options_the_documented_defaults_hold() {
        ChaosOptions o = parse();

        assertThat(o.length()).isEqualTo(Duration.ofMinutes(3));
        assertThat(o.clients()).isEqualTo(4);
        assertThat(o.vms()).isEqualTo(4);
        assertThat(o.provider()).isEqualTo("qemu");
        assertThat(o.json()).isFalse();
        assertThat(o.healthInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.faultEvery()).isEqualTo(Duration.ofSeconds(15));
        assertThat(o.freeze()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.workDir()).isEqualTo(Optional.empty());
        assertThat(o.faults()).isEqualTo(EnumSet.allOf(FaultKind.class));
        assertThat(o.engineScript()).isEmpty();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "--minutes         | soon   | --minutes must be a number > 0, got 'soon'",
            "--minutes         | 0      | --minutes must be a number > 0, got '0'",
            "--minutes         | -1     | --minutes must be a number > 0, got '-1'",
            "--minutes         | NaN    | --minutes must be a number > 0, got 'NaN'",
            "--clients         | 0      | --clients must be a whole number >= 1, got '0'",
            "--clients         | 2.5    | --clients must be a whole number >= 1, got '2.5'",
            "--vms             | many   | --vms must be a whole number >= 1, got 'many'",
            "--provider        | aws    | --provider must be qemu or docker, got 'aws'",
            "--fault-every     | 0      | --fault-every must be a number > 0, got '0'",
            "--fault-every     | often  | --fault-every must be a number > 0, got 'often'",
            "--health-interval | -5     | --health-interval must be a number > 0, got '-5'",
            "--faults          | nap    | --faults: unknown fault kind 'nap'",
    })
    void a_bad_value_is_refused_with_what_is_wrong(String option, String value, String message) {
        assertThatIllegalArgumentException().isThrownBy(() -> parse(option, value)).withMessage(message);
    }

    @Test
    void an_option_without_its_value_is_refused() {
        assertThatIllegalArgumentException().isThrownBy(() -> parse("--json", "--work-dir"))
                .withMessage("missing value after --work-dir");
    }

    @Test
    void an_unknown_option_is_refused() {
        assertThatIllegalArgumentException().isThrownBy(() -> parse("--hours", "2"))
                .withMessage("unknown option --hours");
    }
}
