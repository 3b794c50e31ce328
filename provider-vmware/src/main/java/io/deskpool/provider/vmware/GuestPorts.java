package io.deskpool.provider.vmware;

import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.VmEndpoints;

/**
 * The guest ports of the in-VM services, reached directly on the guest IP (VMware's NAT or host-only network
 * lets the host reach the guest). The defaults are OSWorld's; 0 means the image does not run that service.
 */
record GuestPorts(int server, int cdp, int vnc, int vlc) {
    GuestPorts {
        if (server <= 0 || server > 65535) {
            throw new IllegalArgumentException("the in-VM server port must be 1..65535, got " + server);
        }
        for (int p : new int[]{cdp, vnc, vlc}) {
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException("ports must be 0..65535, got " + p);
            }
        }
    }

    VmEndpoints at(String guestIp) {
        return new VmEndpoints(guestIp, server, cdp, vnc, vlc);
    }

    static GuestPorts from(Settings settings) {
        String raw = settings.string(VmwareSettings.GUEST_PORTS);
        String[] parts = raw.split(",");
        String expected = "four ports SERVER,CDP,VNC,VLC such as 5000,9222,5910,8080 (0 = not exposed, SERVER not 0)";
        if (parts.length != 4) {
            throw settings.invalid(VmwareSettings.GUEST_PORTS, raw, expected);
        }
        try {
            return new GuestPorts(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()),
                    Integer.parseInt(parts[2].trim()), Integer.parseInt(parts[3].trim()));
        } catch (IllegalArgumentException e) {
            throw settings.invalid(VmwareSettings.GUEST_PORTS, raw, expected);
        }
    }
}
