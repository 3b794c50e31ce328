package io.deskpool.env;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Looks up a host name's addresses for a fetch the host makes: the system's resolver, or a fixed table in tests. */
interface HostResolver {
    List<InetAddress> resolve(String host) throws UnknownHostException;

    static HostResolver system() {
        return host -> List.of(InetAddress.getAllByName(host));
    }
}
