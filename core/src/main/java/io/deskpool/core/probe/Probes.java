package io.deskpool.core.probe;

import io.deskpool.core.spi.VmEndpoints;

import java.util.List;

/** Readable constructors for the probes: {@code Probes.allOf(Probes.screenshot(), Probes.chromeCdp())}. */
public final class Probes {
    private Probes() {
    }

    /** The in-VM server's {@code GET /screenshot} answers 200 (OSWorld's own readiness check). */
    public static ReadinessProbe screenshot() {
        return new HttpGetProbe("screenshot", VmEndpoints::serverPort, "/screenshot");
    }

    /** Chrome's DevTools endpoint {@code GET /json/version} answers 200. */
    public static ReadinessProbe chromeCdp() {
        return new HttpGetProbe("chrome_cdp", VmEndpoints::cdpPort, "/json/version");
    }

    /** The in-VM server's {@code GET /terminal}, which OSWorld's setup controller polls before setup. */
    public static ReadinessProbe terminal() {
        return new HttpGetProbe("terminal", VmEndpoints::serverPort, "/terminal");
    }

    /**
     * The in-VM server's {@code GET /platform}: the cheapest call every OSWorld server answers (no screen capture),
     * for health checks of VMs that are already ready.
     */
    public static ReadinessProbe platform() {
        return new HttpGetProbe("platform", VmEndpoints::serverPort, "/platform");
    }

    public static ReadinessProbe allOf(ReadinessProbe... probes) {
        return new AllOfProbe("all_of", List.of(probes));
    }

    public static ReadinessProbe anyOf(ReadinessProbe... probes) {
        return new AnyOfProbe("any_of", List.of(probes));
    }

    /** A desktop is ready when both the screenshot and Chrome's DevTools answer (the seed-001 rule). */
    public static ReadinessProbe desktop() {
        return allOf(screenshot(), chromeCdp());
    }
}
