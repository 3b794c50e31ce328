package io.deskpool.core.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** An IPv4 network such as {@code 10.0.0.0/8}; a bare address is a /32. The address is stored masked. */
public record Cidr(int network, int prefix) {
    public Cidr {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix must be 0-32, got " + prefix);
        }
        network &= mask(prefix);
    }

    /**
     * Parses {@code a.b.c.d} or {@code a.b.c.d/n}.
     *
     * @throws IllegalArgumentException for anything else (host names are not looked up)
     */
    public static Cidr parse(String text) {
        return tryParse(text).orElseThrow(() -> new IllegalArgumentException("not an IPv4 address or CIDR: '" + text + "'"));
    }

    /** {@link #parse}, or empty for anything that is not an IPv4 address or CIDR (an IPv6 block, a name). */
    public static Optional<Cidr> tryParse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        Optional<Integer> address = address(slash < 0 ? s : s.substring(0, slash));
        if (address.isEmpty()) {
            return Optional.empty();
        }
        int prefix = 32;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (!p.matches("\\d{1,2}") || Integer.parseInt(p) > 32) {
                return Optional.empty();
            }
            prefix = Integer.parseInt(p);
        }
        return Optional.of(new Cidr(address.get(), prefix));
    }

    /** A comma- or space-separated list such as GUEST_NETWORK_ALLOW; empty gives none. */
    public static List<Cidr> parseList(String text) {
        return Arrays.stream(text.split("[,\\s]+")).filter(w -> !w.isEmpty()).map(Cidr::parse).toList();
    }

    public static Cidr of(InetAddress address, int prefix) {
        if (!(address instanceof Inet4Address)) {
            throw new IllegalArgumentException("not an IPv4 address: " + address.getHostAddress());
        }
        byte[] b = address.getAddress();
        int value = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        return new Cidr(value, prefix);
    }

    public boolean contains(InetAddress address) {
        return address instanceof Inet4Address && (Cidr.of(address, 32).network() & mask(prefix)) == network;
    }

    /** Whether the dotted IPv4 address {@code ip} is in this network; false for anything else (no look-up). */
    public boolean contains(String ip) {
        return address(ip.strip()).map(a -> (a & mask(prefix)) == network).orElse(false);
    }

    /** Whether the two networks share an address (one holds the other). */
    public boolean overlaps(Cidr other) {
        int shorter = Math.min(prefix, other.prefix);
        return (network & mask(shorter)) == (other.network & mask(shorter));
    }

    /** The network's first address, dotted. */
    public String firstAddress() {
        return ((network >>> 24) & 0xff) + "." + ((network >>> 16) & 0xff) + "." + ((network >>> 8) & 0xff) + "."
                + (network & 0xff);
    }

    /** Four dotted decimal octets, each 0-255; parsed here so that nothing is ever looked up in DNS. */
    private static Optional<Integer> address(String text) {
        if (!text.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return Optional.empty();
        }
        int value = 0;
        for (String octet : text.split("\\.")) {
            int n = Integer.parseInt(octet);
            if (n > 255) {
                return Optional.empty();
            }
            value = value << 8 | n;
        }
        return Optional.of(value);
    }

    private static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    @Override
    public String toString() {
        return firstAddress() + "/" + prefix;
    }
}
