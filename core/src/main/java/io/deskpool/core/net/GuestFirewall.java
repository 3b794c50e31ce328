package io.deskpool.core.net;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What an untrusted guest may connect to: the internet, and nothing internal. Refused are the internal IPv4
 * ranges ({@link InternalRanges}: loopback, private, link-local with the cloud metadata service, CGNAT,
 * benchmarking, multicast, reserved), this host's own addresses and the networks it sits on; allowed anyway are the operator's
 * allow-list and DNS (port 53) to the host's resolvers. Rendered as an iptables-restore rule set for the network
 * namespace the guest's traffic leaves from, so the kernel refuses a connection before it is made.
 *
 * <p>Traffic on the namespace's own loopback (which holds nothing of the host) always passes, and so do replies
 * to the clients of the guest's forwarded ports, which may sit at any address: recognised either by connection
 * tracking, or, where the namespace must not track connections (pasta's tap traffic does not survive it), by
 * their source port, which only the forwarding listeners use.
 */
public record GuestFirewall(List<Cidr> allowed, List<InetAddress> resolvers, List<Cidr> hostNetworks) {
    /** The chain every hooked chain jumps to first. */
    public static final String CHAIN = "DESKPOOL-GUEST";
    static final String REFUSE = "DESKPOOL-REFUSE";

    public GuestFirewall {
        allowed = List.copyOf(allowed);
        resolvers = List.copyOf(resolvers);
        hostNetworks = List.copyOf(hostNetworks);
    }

    /** The rules for a guest on this host now: its addresses, its resolvers, and the operator's allow-list. */
    public static GuestFirewall forThisHost(List<Cidr> allowed) {
        return new GuestFirewall(allowed, Resolvers.read(Resolvers.HOST_RESOLV_CONF).usable(), HostNetworks.current());
    }

    /** Every range refused, internal ranges first. */
    public List<Cidr> refused() {
        var all = new ArrayList<>(InternalRanges.IPV4);
        hostNetworks.stream().filter(n -> !all.contains(n)).forEach(all::add);
        return all;
    }

    /** How replies to the clients of the guest's forwarded ports are told apart from the guest's own connections. */
    public sealed interface Replies permits Tracked, FromPorts {
    }

    /** By connection tracking: whatever belongs to a connection made from outside passes. */
    public record Tracked() implements Replies {
    }

    /**
     * By TCP source port: for a namespace where the guest's connections are made by a process (QEMU's user
     * networking) whose outgoing sockets get ephemeral ports, never these.
     */
    public record FromPorts(List<Integer> ports) implements Replies {
        public FromPorts {
            ports = List.copyOf(ports);
            if (ports.isEmpty()) {
                throw new IllegalArgumentException("no ports");
            }
        }
    }

    /**
     * Where the guest's traffic passes: a built-in chain (OUTPUT for a process that makes the guest's connections
     * itself, FORWARD for a guest routed through the namespace), except for packets coming in on
     * {@code uplink} (empty: none), which are the outside's connections to the guest, not the guest's.
     */
    public record Hook(String chain, String uplink) {
        public Hook {
            requireNonNull(chain, "chain is null");
            requireNonNull(uplink, "uplink is null");
            if (!chain.matches("[A-Z]+") || !uplink.matches("[A-Za-z0-9_.@-]*")) {
                throw new IllegalArgumentException("bad hook " + chain + " / " + uplink);
            }
        }

        public static Hook output() {
            return new Hook("OUTPUT", "");
        }

        public static Hook forwardExceptFrom(String uplink) {
            return new Hook("FORWARD", uplink);
        }
    }

    /**
     * The rule set for {@code iptables-restore --noflush}: our chains (created or emptied) and a jump to them at
     * the top of each hook. TCP is refused with a reset so the guest's connection fails at once instead of timing
     * out.
     */
    public String iptablesRestore(List<Hook> hooks, Replies replies) {
        requireNonNull(hooks, "hooks is null");
        requireNonNull(replies, "replies is null");
        var r = new StringBuilder("*filter\n");
        r.append(':').append(CHAIN).append(" - [0:0]\n");
        r.append(':').append(REFUSE).append(" - [0:0]\n");
        for (Hook hook : hooks) {
            r.append("-I ").append(hook.chain()).append(" 1")
                    .append(hook.uplink().isEmpty() ? "" : " ! -i " + hook.uplink()).append(" -j ").append(CHAIN)
                    .append('\n');
        }
        r.append("-A ").append(CHAIN).append(" -o lo -j RETURN\n");
        if (replies instanceof FromPorts p) {
            r.append("-A ").append(CHAIN).append(" -p tcp -m multiport --sports ")
                    .append(String.join(",", p.ports().stream().map(String::valueOf).toList())).append(" -j RETURN\n");
        } else {
            r.append("-A ").append(CHAIN).append(" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN\n");
        }
        for (Cidr a : allowed) {
            r.append("-A ").append(CHAIN).append(" -d ").append(a).append(" -j RETURN\n");
        }
        for (InetAddress dns : resolvers) {
            for (String proto : List.of("udp", "tcp")) {
                r.append("-A ").append(CHAIN).append(" -d ").append(dns.getHostAddress()).append("/32 -p ")
                        .append(proto).append(" --dport 53 -j RETURN\n");
            }
        }
        for (Cidr c : refused()) {
            r.append("-A ").append(CHAIN).append(" -d ").append(c).append(" -j ").append(REFUSE).append('\n');
        }
        r.append("-A ").append(REFUSE).append(" -p tcp -j REJECT --reject-with tcp-reset\n");
        r.append("-A ").append(REFUSE).append(" -j REJECT --reject-with icmp-admin-prohibited\n");
        r.append("COMMIT\n");
        return r.toString();
    }

    /** One line for logs and the doctor. */
    public String describe() {
        return "refuses " + refused().size() + " internal and host ranges"
                + (resolvers.isEmpty() ? "" : ", DNS to " + resolvers.stream().map(InetAddress::getHostAddress).toList())
                + (allowed.isEmpty() ? "" : ", allows " + allowed);
    }
}
