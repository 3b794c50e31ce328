package io.deskpool.core.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

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
        String s = text.strip();
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        int prefix;
        try {
            prefix = slash < 0 ? 32 : Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an IPv4 address or CIDR: '" + text + "'");
        }
        if (!address.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException("not an IPv4 address or CIDR: '" + text + "'");
        }
        try {
            return of(InetAddress.getByName(address), prefix);
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IPv4 address or CIDR: '" + text + "'");
        }
    }

    /** A comma- or space-separated list such as GUEST_NETWORK_ALLOW; empty gives none. */
    public static java.util.List<Cidr> parseList(String text) {
        return java.util.Arrays.stream(text.split("[,\\s]+")).filter(w -> !w.isEmpty()).map(Cidr::parse).toList();
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

    private static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    @Override
    public String toString() {
        return ((network >>> 24) & 0xff) + "." + ((network >>> 16) & 0xff) + "." + ((network >>> 8) & 0xff) + "."
                + (network & 0xff) + "/" + prefix;
    }
}
