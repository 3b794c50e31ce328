package io.deskpool.core.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Where the host may connect when it fetches a URL a caller chose (a task's {@code download} step, a
 * {@code cloud_file} getter): the internet, and nothing only the host can reach. Refused are the
 * {@link InternalRanges} (loopback, private, link-local with the metadata service 169.254.169.254, CGNAT,
 * multicast, reserved), this host's own addresses and the networks it sits on ({@link HostNetworks}, read at each
 * check, as interfaces come and go), and IPv6 outside global unicast (loopback, link-local, unique local, mapped
 * and NAT64 forms, 6to4, Teredo) or on the host's own IPv6 networks. The operator's {@link AllowList} opens named
 * addresses, networks and host names.
 *
 * <p>This only judges an address: the caller must resolve a name once, check each address, and connect to the
 * checked address itself, so that a second DNS answer cannot swap in another (DNS rebinding).
 */
public final class FetchDestinations {
    private final AllowList allowed;
    private final Supplier<List<Cidr>> hostNetworks;
    private final Supplier<List<HostNetworks.Ipv6Network>> hostIpv6;

    public FetchDestinations(AllowList allowed, Supplier<List<Cidr>> hostNetworks,
                             Supplier<List<HostNetworks.Ipv6Network>> hostIpv6) {
        this.allowed = requireNonNull(allowed, "allowed is null");
        this.hostNetworks = requireNonNull(hostNetworks, "hostNetworks is null");
        this.hostIpv6 = requireNonNull(hostIpv6, "hostIpv6 is null");
    }

    /** The rules for this host as its interfaces are at each check. */
    public static FetchDestinations forThisHost(AllowList allowed) {
        return new FetchDestinations(allowed, HostNetworks::current, HostNetworks::currentIpv6);
    }

    public AllowList allowed() {
        return allowed;
    }

    /**
     * Why the host must not connect to {@code address}, which {@code hostName} (the URL's host, a name or an address
     * literal) resolved to; empty when it may.
     */
    public Optional<String> refusal(String hostName, InetAddress address) {
        requireNonNull(address, "address is null");
        if (allowed.names(hostName) || allowed.networks().stream().anyMatch(c -> c.contains(address))) {
            return Optional.empty();
        }
        if (address instanceof Inet4Address) {
            Optional<Cidr> internal = InternalRanges.holding(address);
            if (internal.isPresent()) {
                return Optional.of("an internal address (" + internal.get() + ")");
            }
            if (hostNetworks.get().stream().anyMatch(c -> c.contains(address))) {
                return Optional.of("one of this host's addresses or networks");
            }
            return Optional.empty();
        }
        if (address instanceof Inet6Address v6) {
            Optional<String> special = ipv6Refusal(v6);
            if (special.isPresent()) {
                return special;
            }
            if (hostIpv6.get().stream().anyMatch(n -> n.contains(v6))) {
                return Optional.of("one of this host's addresses or networks");
            }
            return Optional.empty();
        }
        return Optional.of("not an IP address");
    }

    /** IPv6 is the internet only in global unicast (2000::/3), less the prefixes that tunnel to IPv4. */
    private static Optional<String> ipv6Refusal(Inet6Address a) {
        byte[] b = a.getAddress();
        if ((b[0] & 0xe0) != 0x20) {
            return Optional.of("an IPv6 address outside global unicast (loopback, link-local, unique local, "
                    + "multicast or an IPv4 form)");
        }
        if (b[0] == 0x20 && b[1] == 0x02) {
            return Optional.of("a 6to4 address (2002::/16), which leads to an IPv4 address");
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
            return Optional.of("a Teredo address (2001::/32), which leads to an IPv4 address");
        }
        return Optional.empty();
    }

    /**
     * The operator's exceptions (ENV_DOWNLOAD_ALLOW): IPv4 addresses and CIDRs, and host names, which open every
     * address the name resolves to (a file server on the LAN, {@code localhost} for a test).
     */
    public record AllowList(List<Cidr> networks, Set<String> hosts) {
        public AllowList {
            networks = List.copyOf(networks);
            hosts = Set.copyOf(hosts);
        }

        public static AllowList none() {
            return new AllowList(List.of(), Set.of());
        }

        /**
         * A comma- or space-separated list of IPv4 addresses, CIDRs and host names; empty gives none.
         *
         * @throws IllegalArgumentException naming the entry that is none of those
         */
        public static AllowList parse(String text) {
            var networks = new ArrayList<Cidr>();
            var hosts = new LinkedHashSet<String>();
            for (String word : text.split("[,\\s]+")) {
                if (word.isEmpty()) {
                    continue;
                }
                Optional<Cidr> cidr = Cidr.tryParse(word);
                if (cidr.isPresent()) {
                    networks.add(cidr.get());
                } else if (word.matches("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\\.?")
                        && !word.matches("[0-9.]+")) {
                    hosts.add(canonical(word));
                } else {
                    throw new IllegalArgumentException("'" + word + "' is not an IPv4 address, CIDR or host name");
                }
            }
            return new AllowList(networks, hosts);
        }

        /** Whether {@code hostName} is one of the allowed names. */
        public boolean names(String hostName) {
            return hostName != null && hosts.contains(canonical(hostName));
        }

        public boolean isEmpty() {
            return networks.isEmpty() && hosts.isEmpty();
        }

        private static String canonical(String host) {
            String h = host.toLowerCase(Locale.ROOT);
            return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
        }

        @Override
        public String toString() {
            var all = new ArrayList<String>();
            networks.forEach(c -> all.add(c.toString()));
            all.addAll(hosts);
            return String.join(", ", all);
        }
    }
}
