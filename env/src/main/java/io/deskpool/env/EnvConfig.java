package io.deskpool.env;

import io.deskpool.core.net.FetchDestinations;
import io.deskpool.core.settings.CoreSettings;
import io.deskpool.core.settings.Settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** The episode engine's settings, read and checked once at start. */
public record EnvConfig(
        Duration resetWait,
        Duration resetTimeout,
        Duration readyTimeout,
        Duration stepTimeout,
        Duration evaluateTimeout,
        Duration stepPause,
        int maxSteps,
        String actionParser,
        String coordinates,
        String stepReward,
        Duration idleRelease,
        int jpegQuality,
        boolean strictSetup,
        String clientPassword,
        Optional<Path> uploadDir,
        Path cacheDir,
        long downloadMaxBytes,
        FetchDestinations.AllowList downloadAllow,
        long cacheMaxBytes,
        Duration cacheTtl,
        Duration metricTimeout,
        List<String> externalEvaluator,
        Duration externalEvaluatorTimeout) {

    public static final List<String> COORDINATE_SYSTEMS = List.of("qwen25vl", "relative1000");

    public EnvConfig {
        requireNonNull(actionParser, "actionParser is null");
        requireNonNull(coordinates, "coordinates is null");
        requireNonNull(stepReward, "stepReward is null");
        requireNonNull(uploadDir, "uploadDir is null");
        requireNonNull(cacheDir, "cacheDir is null");
        requireNonNull(downloadAllow, "downloadAllow is null");
        requireNonNull(cacheTtl, "cacheTtl is null");
        requireNonNull(metricTimeout, "metricTimeout is null");
        externalEvaluator = List.copyOf(externalEvaluator);
    }

    public static EnvConfig from(Settings s) {
        String cache = s.string(EnvSettings.CACHE_DIR);
        String command = s.string(EnvSettings.EXTERNAL_EVALUATOR);
        List<String> words;
        try {
            words = CommandLineWords.split(command);
        } catch (IllegalArgumentException e) {
            throw s.invalid(EnvSettings.EXTERNAL_EVALUATOR, command, "a command line (" + e.getMessage() + ")");
        }
        int quality = s.integer(EnvSettings.JPEG_QUALITY, 1);
        if (quality > 100) {
            throw s.invalid(EnvSettings.JPEG_QUALITY, String.valueOf(quality), "a whole number from 1 to 100");
        }
        String allow = s.string(EnvSettings.DOWNLOAD_ALLOW);
        FetchDestinations.AllowList downloadAllow;
        try {
            downloadAllow = FetchDestinations.AllowList.parse(allow);
        } catch (IllegalArgumentException e) {
            throw s.invalid(EnvSettings.DOWNLOAD_ALLOW, allow, "IPv4 addresses, CIDRs and host names (" + e.getMessage() + ")");
        }
        String parser = s.string(EnvSettings.ACTION_PARSER);
        if (parser.isEmpty()) {
            throw s.invalid(EnvSettings.ACTION_PARSER, parser, "the name of an action parser plugin, e.g. uitars");
        }
        String reward = s.string(EnvSettings.STEP_REWARD);
        if (reward.isEmpty()) {
            throw s.invalid(EnvSettings.STEP_REWARD, reward, "the name of a step reward plugin, e.g. format");
        }
        return new EnvConfig(
                s.seconds(EnvSettings.RESET_WAIT, Duration.ZERO),
                s.seconds(EnvSettings.RESET_TIMEOUT, Duration.ofSeconds(1)),
                s.seconds(EnvSettings.READY_TIMEOUT, Duration.ofSeconds(1)),
                s.seconds(EnvSettings.STEP_TIMEOUT, Duration.ofSeconds(1)),
                s.seconds(EnvSettings.EVALUATE_TIMEOUT, Duration.ofSeconds(1)),
                s.seconds(EnvSettings.STEP_PAUSE, Duration.ZERO),
                s.integer(EnvSettings.MAX_STEPS, 1),
                parser,
                s.choice(EnvSettings.COORDINATES, COORDINATE_SYSTEMS),
                reward,
                s.seconds(EnvSettings.IDLE_RELEASE, Duration.ofSeconds(1)),
                quality,
                s.bool(EnvSettings.SETUP_STRICT),
                s.string(EnvSettings.CLIENT_PASSWORD),
                s.optionalString(EnvSettings.UPLOAD_DIR).map(p -> s.path(EnvSettings.UPLOAD_DIR).toAbsolutePath().normalize()),
                cache.isEmpty() ? s.path(CoreSettings.STATE_DIR).resolve("env-cache") : s.path(EnvSettings.CACHE_DIR),
                (long) s.integer(EnvSettings.DOWNLOAD_MAX_MB, 1) * 1024 * 1024,
                downloadAllow,
                (long) s.integer(EnvSettings.CACHE_MAX_MB, 0) * 1024 * 1024,
                s.seconds(EnvSettings.CACHE_TTL, Duration.ZERO),
                s.seconds(EnvSettings.METRIC_TIMEOUT, Duration.ofSeconds(1)),
                words,
                s.seconds(EnvSettings.EXTERNAL_EVALUATOR_TIMEOUT, Duration.ofSeconds(1)));
    }
}
