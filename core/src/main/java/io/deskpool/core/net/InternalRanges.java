package io.deskpool.core.net;

import java.net.InetAddress;
import java.util.List;

/**
 * The IPv4 ranges that are never the internet (RFC 6890 and friends): what neither an untrusted guest
 * ({@link GuestFirewall}) nor a fetch the host makes for a caller ({@link FetchDestinations}) may reach. The
 * TEST-NETs are not in here (tests stand in for the internet with them).
 */
public final class InternalRanges {
    public static final List<Cidr> IPV4 = List.of(
            Cidr.parse("0.0.0.0/8"),        // "this network"
            Cidr.parse("10.0.0.0/8"),       // private
            Cidr.parse("100.64.0.0/10"),    // carrier-grade NAT
            Cidr.parse("127.0.0.0/8"),      // loopback
            Cidr.parse("169.254.0.0/16"),   // link-local, incl. the metadata service 169.254.169.254
            Cidr.parse("172.16.0.0/12"),    // private (Docker's bridges)
            Cidr.parse("192.0.0.0/24"),     // IETF protocol assignments
            Cidr.parse("192.168.0.0/16"),   // private
            Cidr.parse("198.18.0.0/15"),    // benchmarking
            Cidr.parse("224.0.0.0/4"),      // multicast
            Cidr.parse("240.0.0.0/4"));     // reserved and broadcast

    private InternalRanges() {
    }

    /** The internal range holding {@code address}, if any (IPv4 only). */
    public static java.util.Optional<Cidr> holding(InetAddress address) {
        return IPV4.stream().filter(c -> c.contains(address)).findFirst();
    }
}
