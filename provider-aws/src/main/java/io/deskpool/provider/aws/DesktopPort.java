package io.deskpool.provider.aws;

import io.deskpool.core.spi.VmEndpoints;

import java.util.Arrays;
import java.util.List;

/**
 * A port an EC2 desktop serves, none of them authenticated: whoever reaches one drives the desktop (runs commands,
 * drives Chrome, sees and types on the screen, plays media). The server needs 5000 and 9222 for readiness; clients
 * use the noVNC and VLC ports it hands out; 8006 is the VNC port OSWorld's AWS guide opens. x11vnc's raw port 5900
 * is behind noVNC on the OSWorld AMI and the server never uses it, but a rule admitting other desktops on it is as
 * bad. The ingress check asks for every port the server or its clients use; the isolation check judges them all.
 */
enum DesktopPort {
    IN_VM_SERVER(VmEndpoints.GUEST_SERVER_PORT, "in-VM server", Use.READINESS),
    DEVTOOLS(VmEndpoints.GUEST_CDP_PORT, "Chrome DevTools", Use.READINESS),
    VLC(VmEndpoints.GUEST_VLC_PORT, "VLC", Use.CLIENTS),
    NOVNC(InstanceReadiness.AMI_VNC_PORT, "noVNC on the OSWorld AMI", Use.CLIENTS),
    GUIDE_VNC(VmEndpoints.GUEST_VNC_PORT, "VNC in OSWorld's guide", Use.CLIENTS),
    X11VNC(5900, "x11vnc behind noVNC", Use.NONE);

    /** Who needs the server to reach the port. */
    enum Use {
        /** The readiness probes: without it no desktop becomes ready. */
        READINESS,
        /** Clients, through the endpoints the server hands out: desktops work without it. */
        CLIENTS,
        /** Nobody: the server never opens it, but desktops must not reach each other on it either. */
        NONE
    }

    private final int number;
    private final String what;
    private final Use use;

    DesktopPort(int number, String what, Use use) {
        this.number = number;
        this.what = what;
        this.use = use;
    }

    int number() {
        return number;
    }

    String what() {
        return what;
    }

    Use use() {
        return use;
    }

    /** The ports the server (or its clients) use, readiness first: those the security group must open to it. */
    static List<DesktopPort> usedByTheServer() {
        return Arrays.stream(values()).filter(p -> p.use != Use.NONE).toList();
    }

    /** "5000 (in-VM server)". */
    String described() {
        return number + " (" + what + ")";
    }
}
