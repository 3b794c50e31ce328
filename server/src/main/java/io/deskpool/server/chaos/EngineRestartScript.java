package io.deskpool.server.chaos;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The command of the {@code docker_restart} fault: {@code bash <checkout>/scripts/docker-engine.sh restart}, the script
 * CI runs the engine with. The script is the one given ({@code --engine-script}), or else the one of the checkout the
 * jar was built in, found from the jar's own path ({@code <checkout>/server/target/deskpool.jar}; the classes
 * directory when run from the build), so the run does not depend on the directory it was started from.
 */
final class EngineRestartScript {
    static final Path IN_CHECKOUT = Path.of("scripts", "docker-engine.sh");

    private EngineRestartScript() {
    }

    /** The restart command, when the run injects engine restarts (docker provider, docker_restart not left out). */
    static Optional<List<String>> command(ChaosOptions options, Path codeLocation) throws IOException {
        if (!options.provider().equals("docker") || !options.faults().contains(FaultKind.DOCKER_RESTART)) {
            return Optional.empty();
        }
        return Optional.of(List.of("bash", locate(options.engineScript(), codeLocation).toString(), "restart"));
    }

    /**
     * The script given, or {@code scripts/docker-engine.sh} in the nearest directory above {@code codeLocation} that
     * has one; an absolute path. Fails naming what is missing and how to do without it.
     */
    static Path locate(Optional<Path> given, Path codeLocation) throws IOException {
        if (given.isPresent()) {
            Path script = given.get().toAbsolutePath().normalize();
            if (!Files.isRegularFile(script)) {
                throw new IOException("--engine-script " + given.get() + ": there is no such file (the docker_restart"
                        + " fault runs it with 'restart')");
            }
            return script;
        }
        Path from = codeLocation.toAbsolutePath().normalize();
        for (Path dir = from.getParent(); dir != null; dir = dir.getParent()) {
            Path script = dir.resolve(IN_CHECKOUT);
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        throw new IOException("the docker_restart fault needs " + IN_CHECKOUT + " of the Deskpool checkout, and no"
                + " directory above " + from + " has it; give its path with --engine-script FILE, or leave"
                + " docker_restart out with --faults");
    }

    /** Where this code was loaded from: the jar, or the classes directory of the build. */
    static Path codeLocation() {
        try {
            return Path.of(EngineRestartScript.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
