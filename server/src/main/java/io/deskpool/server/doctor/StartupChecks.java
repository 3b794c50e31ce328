package io.deskpool.server.doctor;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.doctor.CheckOutcome;
import io.deskpool.core.doctor.CheckStatus;
import io.deskpool.core.doctor.Doctor;
import io.deskpool.core.doctor.DoctorReport;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.ProviderFactory;
import io.deskpool.server.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The doctor's checks, run when the server starts. Warnings and failures are logged with their fixes and a
 * summary follows. With START_CHECKS=enforce (the default) a failed <em>blocking</em> check stops the start
 * with all blocking failures in one message, instead of a server that accepts clients but cannot boot a VM;
 * non-blocking failures and warnings never stop it. START_CHECKS=warn only logs; off skips the checks.
 */
public final class StartupChecks {
    private static final Logger log = LoggerFactory.getLogger(StartupChecks.class);
    private static final List<String> MODES = List.of("enforce", "warn", "off");

    private StartupChecks() {
    }

    /**
     * @throws DeskpoolException {@code PROVIDER_UNAVAILABLE} when a blocking check failed and START_CHECKS=enforce
     */
    public static void run(Settings settings, ProviderFactory factory) {
        String mode = settings.choice(ServerSettings.START_CHECKS, MODES);
        if (mode.equals("off")) {
            log.info("Start-up checks skipped (START_CHECKS=off)");
            return;
        }
        DoctorReport report = Doctor.run(DoctorChecks.atStart(factory, settings), DoctorChecks.context(settings));
        for (CheckOutcome o : report.outcomes()) {
            if (o.status() == CheckStatus.PASS) {
                log.debug("Check {}: {}", o.name(), o.result().summary());
            } else {
                log.warn("Check {}: {} {}{}. Fix: {}", o.name(), o.status(), o.result().summary(),
                        o.blocks() ? " (blocking)" : "", o.result().fix());
            }
        }
        log.info("Start-up checks for provider {}: {}", factory.name(), report.summary());
        if (report.hasBlockingFailure() && mode.equals("enforce")) {
            throw new DeskpoolException(ErrorCode.PROVIDER_UNAVAILABLE, "Start-up checks failed: "
                    + report.blockingFailures().stream()
                    .map(o -> o.name() + ": " + o.result().summary() + " (fix: " + o.result().fix() + ")")
                    .collect(Collectors.joining("; "))
                    + ". `java -jar server/target/deskpool.jar doctor` shows every check; START_CHECKS=warn starts anyway");
        }
    }
}
