package io.deskpool.core.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * This host's own IPv4 addresses and the networks its interfaces sit on, read from the kernel when asked. A guest
 * that may reach the internet must not reach these: through them it would reach the host's services (whatever
 * listens on all addresses) and its LAN neighbours, whatever address range they use.
 */
public final class HostNetworks {
    /** Interfaces claiming more than a /8 are left to the internal ranges, not blocked wholesale. */
    private static final int WIDEST_PREFIX = 8;

    private HostNetworks() {
    }

    /** Each address as a /32, then each on-link network; loopback is left out (the internal ranges cover it). */
    public static List<Cidr> current() {
        Set<Cidr> addresses = new LinkedHashSet<>();
        Set<Cidr> networks = new LinkedHashSet<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nic.isLoopback()) {
                    continue;
                }
                for (InterfaceAddress a : nic.getInterfaceAddresses()) {
                    if (a.getAddress() instanceof Inet4Address v4) {
                        addresses.add(Cidr.of(v4, 32));
                        int prefix = a.getNetworkPrefixLength();
                        if (prefix >= WIDEST_PREFIX && prefix < 32) {
                            networks.add(Cidr.of(v4, prefix));
                        }
                    }
                }
            }
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list this host's network interfaces: " + e.getMessage(), e);
        }
        var all = new ArrayList<>(addresses);
        networks.stream().filter(n -> !all.contains(n)).forEach(all::add);
        return List.copyOf(all);
    }

    /** An IPv6 network an interface of this host sits on (its address with the interface's prefix). */
    public record Ipv6Network(Inet6Address address, int prefix) {
        public Ipv6Network {
            Objects.requireNonNull(address, "address is null");
            if (prefix < 0 || prefix > 128) {
                throw new IllegalArgumentException("prefix must be 0-128, got " + prefix);
            }
        }

        public boolean contains(InetAddress other) {
            if (!(other instanceof Inet6Address)) {
                return false;
            }
            byte[] a = address.getAddress();
            byte[] b = other.getAddress();
            for (int i = 0; i < prefix; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((a[i / 8] & mask) != (b[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** This host's IPv6 addresses and their on-link networks, loopback and link-local left out. */
    public static List<Ipv6Network> currentIpv6() {
        var all = new ArrayList<Ipv6Network>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nic.isLoopback()) {
                    continue;
                }
                for (InterfaceAddress a : nic.getInterfaceAddresses()) {
                    if (a.getAddress() instanceof Inet6Address v6 && !v6.isLinkLocalAddress()) {
                        all.add(new Ipv6Network(v6, Math.max(a.getNetworkPrefixLength(), 0)));
                    }
                }
            }
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list this host's network interfaces: " + e.getMessage(), e);
        }
        return List.copyOf(all);
    }
}
