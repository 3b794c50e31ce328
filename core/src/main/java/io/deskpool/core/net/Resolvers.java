package io.deskpool.core.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The DNS servers a resolv.conf names. A guest's DNS goes through its network helper to these, so they are the
 * one exception to the internal-address rule (port 53 only), even when they sit at a private address. A
 * resolver on loopback (systemd-resolved's 127.0.0.53) is of no use to a guest in its own network namespace.
 */
public record Resolvers(List<InetAddress> usable, List<InetAddress> loopback) {
    public static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");

    public Resolvers {
        usable = List.copyOf(usable);
        loopback = List.copyOf(loopback);
    }

    /** The IPv4 name servers of {@code resolvConf}; none when it cannot be read. */
    public static Resolvers read(Path resolvConf) {
        List<String> lines;
        try {
            lines = Files.readAllLines(resolvConf);
        } catch (IOException e) {
            lines = List.of();
        }
        var usable = new ArrayList<InetAddress>();
        var loopback = new ArrayList<InetAddress>();
        for (String line : lines) {
            String[] words = line.strip().split("\\s+");
            if (words.length < 2 || !words[0].equals("nameserver") || !words[1].matches("[0-9.]+")) {
                continue;
            }
            try {
                InetAddress a = InetAddress.getByName(words[1]);
                (a.isLoopbackAddress() ? loopback : usable).add(a);
            } catch (UnknownHostException e) {
                // not an address: ignored, as the C library would
            }
        }
        return new Resolvers(usable, loopback);
    }
}
