package io.deskpool.server.doctor;

import io.deskpool.core.doctor.CheckContext;
import io.deskpool.core.doctor.CheckResult;
import io.deskpool.core.doctor.DoctorCheck;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.ProviderFactory;
import io.deskpool.server.ServerSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Which checks run for a provider: the ones every provider shares, then the provider's own. A provider that
 * brings no checks gets its {@link io.deskpool.core.spi.ProviderFactory#hostSupport} verdict as one; one that
 * does is trusted to cover the same ground in more detail (the verdict would only repeat a failure).
 */
public final class DoctorChecks {
    private DoctorChecks() {
    }

    /** The doctor command's checks. */
    public static List<DoctorCheck> forProvider(ProviderFactory factory, Settings settings) {
        return checks(factory, settings, new ServerPortCheck());
    }

    /** The checks run when the server starts: the same, but a Deskpool already on the port stops the start. */
    public static List<DoctorCheck> atStart(ProviderFactory factory, Settings settings) {
        return checks(factory, settings, ServerPortCheck.atStart());
    }

    private static List<DoctorCheck> checks(ProviderFactory factory, Settings settings, ServerPortCheck portCheck) {
        var checks = new ArrayList<DoctorCheck>(List.of(new StateDirCheck(), portCheck, new ClientTokensCheck()));
        try {
            List<DoctorCheck> own = factory.checks(settings);
            checks.addAll(own.isEmpty() ? List.of(new ProviderHostCheck(factory)) : own);
        } catch (RuntimeException e) {
            checks.add(failing(factory.name() + " checks", "the provider could not list its checks: " + e.getMessage()));
        }
        return checks;
    }

    /** The context checks run in; DOCTOR_TIMEOUT bounds each check's outside calls. */
    public static CheckContext context(Settings settings) {
        return new CheckContext(settings, settings.seconds(ServerSettings.DOCTOR_TIMEOUT, Duration.ofSeconds(1)));
    }

    /** A check that only reports a failure found while the checks were being put together. */
    static DoctorCheck failing(String name, String summary) {
        return new DoctorCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean blocking() {
                return true;
            }

            @Override
            public CheckResult run(CheckContext context) {
                return CheckResult.fail(summary, "correct the setting named above (java -jar server/target/deskpool.jar settings lists them all)");
            }
        };
    }
}
