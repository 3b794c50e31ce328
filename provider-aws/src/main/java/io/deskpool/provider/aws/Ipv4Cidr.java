package io.deskpool.provider.aws;

import java.util.Optional;

/** An IPv4 block such as {@code 10.0.0.0/16}, to test whether a security group rule's source covers an address. */
record Ipv4Cidr(long network, int prefix) {
    static Optional<Ipv4Cidr> parse(String text) {
        String[] parts = text.trim().split("/");
        Optional<Long> address = address(parts[0]);
        if (address.isEmpty() || parts.length > 2) {
            return Optional.empty();
        }
        try {
            int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : 32;
            if (prefix < 0 || prefix > 32) {
                return Optional.empty();
            }
            return Optional.of(new Ipv4Cidr(address.get() & mask(prefix), prefix));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    boolean contains(String ip) {
        return address(ip).map(a -> (a & mask(prefix)) == network).orElse(false);
    }

    /** The block's first address, dotted. */
    String firstAddress() {
        return ((network >>> 24) & 0xff) + "." + ((network >>> 16) & 0xff) + "." + ((network >>> 8) & 0xff) + "."
                + (network & 0xff);
    }

    private static long mask(int prefix) {
        return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    }

    private static Optional<Long> address(String text) {
        String[] octets = text.trim().split("\\.");
        if (octets.length != 4) {
            return Optional.empty();
        }
        long value = 0;
        for (String o : octets) {
            try {
                int n = Integer.parseInt(o);
                if (n < 0 || n > 255) {
                    return Optional.empty();
                }
                value = value << 8 | n;
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.of(value);
    }
}
