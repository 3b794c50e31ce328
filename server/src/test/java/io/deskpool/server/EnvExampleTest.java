package io.deskpool.server;

import io.deskpool.core.provider.ProviderRegistry;
import io.deskpool.core.settings.CoreSettings;
import io.deskpool.core.settings.Setting;
import io.deskpool.core.spi.ProviderFactory;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** .env.example at the repository root lists every setting with its default, as the settings command prints it. */
class EnvExampleTest {
    private static Path envExample() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(".env.example")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p.resolve(".env.example");
            }
        }
        throw new AssertionError(".env.example not found above " + here);
    }

    @Test
    void every_declared_setting_is_listed_with_its_default() throws IOException {
        String example = Files.readString(envExample());
        List<Setting> all = new ArrayList<>(CoreSettings.ALL);
        all.addAll(ServerSettings.ALL);
        all.addAll(io.deskpool.env.EnvSettings.ALL);
        all.addAll(io.deskpool.server.env.EnvApiSettings.ALL);
        all.addAll(io.deskpool.server.image.ImageSettings.ALL);
        for (ProviderFactory f : ProviderRegistry.load().factories()) {
            all.addAll(f.settings());
        }

        assertThat(all).allSatisfy(s ->
                assertThat(example).as("%s in .env.example", s.name()).contains("#" + s.name() + "=" + s.defaultValue() + "\n"));
    }

    @Test
    void the_settings_command_prints_what_env_example_holds() throws IOException {
        var out = new ByteArrayOutputStream();
        SettingsCommand.run(ProviderRegistry.load(), new PrintStream(out, true, StandardCharsets.UTF_8));
        String example = Files.readString(envExample());

        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("#") && line.contains("=") && !line.startsWith("# ") && !line.contains("memory")) {
                assertThat(example).as("regenerate with: java -jar server/target/deskpool.jar settings > .env.example")
                        .contains(line);
            }
        }
    }
}
