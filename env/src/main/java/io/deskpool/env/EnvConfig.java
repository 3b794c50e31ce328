package io.deskpool.env;

import io.deskpool.core.settings.CoreSettings;
import io.deskpool.core.settings.Settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** The env API's settings, read and checked once at start. */
public record EnvConfig(
        Duration acquireWait,
        Duration maxAcquireWait,
        Duration resetTimeout,
        Duration readyTimeout,
        Duration stepTimeout,
        Duration evaluateTimeout,
        Duration stepPause,
        int maxSteps,
        boolean screenshotUrls,
        boolean strictSetup,
        String clientPassword,
        Optional<Path> uploadDir,
        Path cacheDir,
        long downloadMaxBytes,
        List<String> externalEvaluator,
        Duration externalEvaluatorTimeout) {

    public EnvConfig {
        requireNonNull(uploadDir, "uploadDir is null");
        requireNonNull(cacheDir, "cacheDir is null");
        externalEvaluator = List.copyOf(externalEvaluator);
    }

    /** @param maxWait the longest acquire wait a request may ask for (the server's ACQUIRE_MAX_WAIT) */
    public static EnvConfig from(Settings s, Duration maxWait) {
        Duration wait = s.seconds(EnvSettings.ACQUIRE_WAIT, Duration.ZERO);
        if (wait.compareTo(maxWait) > 0) {
            throw s.invalid(EnvSettings.ACQUIRE_WAIT, s.string(EnvSettings.ACQUIRE_WAIT),
                    "at most ACQUIRE_MAX_WAIT (" + maxWait.toSeconds() + ")");
        }
        String cache = s.string(EnvSettings.CACHE_DIR);
        String command = s.string(EnvSettings.EXTERNAL_EVALUATOR);
        List<String> words;
        try {
            words = CommandLineWords.split(command);
        } catch (IllegalArgumentException e) {
            throw s.invalid(EnvSettings.EXTERNAL_EVALUATOR, command, "a command line (" + e.getMessage() + ")");
        }
        return new EnvConfig(wait, maxWait,
                s.seconds(EnvSettings.RESET_TIMEOUT, Duration.ofSeconds(1)),
                s.seconds(EnvSettings.READY_TIMEOUT, Duration.ofSeconds(1)),
                s.seconds(EnvSettings.STEP_TIMEOUT, Duration.ofSeconds(1)),
                s.seconds(EnvSettings.EVALUATE_TIMEOUT, Duration.ofSeconds(1)),
                s.seconds(EnvSettings.STEP_PAUSE, Duration.ZERO),
                s.integer(EnvSettings.MAX_STEPS, 1),
                s.choice(EnvSettings.OBSERVATION, List.of("base64", "url")).equals("url"),
                s.bool(EnvSettings.SETUP_STRICT),
                s.string(EnvSettings.CLIENT_PASSWORD),
                s.optionalString(EnvSettings.UPLOAD_DIR).map(p -> s.path(EnvSettings.UPLOAD_DIR).toAbsolutePath().normalize()),
                cache.isEmpty() ? s.path(CoreSettings.STATE_DIR).resolve("env-cache") : s.path(EnvSettings.CACHE_DIR),
                (long) s.integer(EnvSettings.DOWNLOAD_MAX_MB, 1) * 1024 * 1024,
                words,
                s.seconds(EnvSettings.EXTERNAL_EVALUATOR_TIMEOUT, Duration.ofSeconds(1)));
    }
}
