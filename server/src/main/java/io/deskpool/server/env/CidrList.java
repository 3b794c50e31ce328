package io.deskpool.server.env;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A list of address ranges in CIDR form ({@code 10.0.0.0/8,::1/128}; a bare address is a range of one).
 * Only literal addresses are accepted, so parsing never asks DNS.
 */
final class CidrList {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    private record Range(byte[] network, int bits) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Range> ranges;
    private final String text;

    private CidrList(List<Range> ranges, String text) {
        this.ranges = List.copyOf(ranges);
        this.text = text;
    }

    /** @throws IllegalArgumentException naming the entry that is not an address or range */
    static CidrList parse(String spec) {
        List<Range> ranges = new ArrayList<>();
        for (String entry : spec.split(",")) {
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            int slash = e.indexOf('/');
            String addr = slash < 0 ? e : e.substring(0, slash);
            byte[] bytes = literal(addr).orElseThrow(() -> new IllegalArgumentException("'" + e + "' is not an IP address or CIDR range"));
            int bits = bytes.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(e.substring(slash + 1));
                } catch (NumberFormatException x) {
                    bits = -1;
                }
                if (bits < 0 || bits > bytes.length * 8) {
                    throw new IllegalArgumentException("'" + e + "' has a prefix length outside 0.." + bytes.length * 8);
                }
            }
            ranges.add(new Range(bytes, bits));
        }
        return new CidrList(ranges, spec.strip());
    }

    /** Whether {@code address} (a literal, as the servlet container reports the peer) is in one of the ranges. */
    boolean contains(String address) {
        String a = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        return literal(a).map(bytes -> ranges.stream().anyMatch(r -> r.contains(bytes))).orElse(false);
    }

    private static java.util.Optional<byte[]> literal(String addr) {
        if (IPV4.matcher(addr).matches()) {
            String[] parts = addr.split("\\.");
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                int v = Integer.parseInt(parts[i]);
                if (v > 255) {
                    return java.util.Optional.empty();
                }
                b[i] = (byte) v;
            }
            return java.util.Optional.of(b);
        }
        if (!IPV6.matcher(addr).matches()) {
            return java.util.Optional.empty();
        }
        try {
            // With a colon Java parses an IPv6 literal and never asks DNS; IPv4-mapped ones come back as IPv4.
            return java.util.Optional.of(InetAddress.getByName(addr).getAddress());
        } catch (UnknownHostException e) {
            return java.util.Optional.empty();
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
