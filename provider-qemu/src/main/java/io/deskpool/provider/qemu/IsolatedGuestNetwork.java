package io.deskpool.provider.qemu;

import io.deskpool.core.net.Cidr;
import io.deskpool.core.net.GuestFirewall;
import io.deskpool.core.net.HostNetworks;
import io.deskpool.core.qemu.StaleConnections;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * QEMU_GUEST_NETWORK=isolated (default): QEMU runs in network and mount namespaces of its own ({@code unshare},
 * as a user namespace's root, so no privilege is needed), where its user networking (SLIRP) makes the guest's
 * connections. The namespace's firewall ({@link GuestFirewall}) refuses internal addresses and the host's own,
 * and its loopback holds only the VM's own forwards, so 10.0.2.2 reaches nothing of the host. {@link Slirp4netns}
 * links the namespace to the host: the VM's host ports in, the guest's internet connections out. QEMU's DNS
 * goes to slirp4netns' resolver address (a resolv.conf of the VM's own, bound over /etc/resolv.conf in the
 * mount namespace), so the guest has DNS whatever the host's resolver is, even one on the host's loopback.
 *
 * <p>QEMU runs under a small shell in the namespaces that loads the firewall before QEMU starts (QEMU does not
 * start without it), passes SIGTERM on to QEMU, and stops the VM's slirp4netns when QEMU exits however it
 * exits. Inside the namespace the guest ports are forwarded from the same port numbers, so nothing there can
 * collide.
 */
final class IsolatedGuestNetwork implements GuestNetwork {
    static final String NAME = "isolated";
    private static final Duration HELPER_STOP_GRACE = Duration.ofSeconds(3);
    /** SLIRP's forwarding listeners in the namespace answer from the guest ports' numbers, QEMU's VNC from its own. */
    static final GuestFirewall.Replies REPLIES = new GuestFirewall.FromPorts(java.util.stream.Stream.concat(
            ForwardedPorts.GUEST_PORTS.stream(), java.util.stream.Stream.of(VncDisplay.NAMESPACE_PORT)).toList());

    /**
     * $1 iptables-restore, $2 rules, $3 mount, $4 resolv.conf, $5 the helper's pid file, then QEMU's command. QEMU
     * runs in the background so that a SIGTERM to the shell reaches it; afterwards only a helper attached to this
     * QEMU (its pid is one of the helper's arguments) is stopped, never a newer one that reuses the pid file.
     */
    private static final String WRAPPER = """
            "$1" --noflush < "$2" || { echo "deskpool: the guest firewall ($2) could not be loaded" >&2; exit 97; }
            "$3" --bind "$4" /etc/resolv.conf || { echo "deskpool: could not mount $4 on /etc/resolv.conf" >&2; exit 98; }
            helper_pid_file=$5
            shift 5
            "$@" &
            qemu=$!
            trap 'kill -TERM "$qemu" 2>/dev/null' TERM INT HUP
            while kill -0 "$qemu" 2>/dev/null; do wait "$qemu"; status=$?; done
            helper=$(cat "$helper_pid_file" 2>/dev/null) \\
              && tr '\\0' '\\n' < "/proc/$helper/cmdline" 2>/dev/null | grep -qx "$qemu" \\
              && kill -TERM "$helper"
            exit "${status:-1}"
            """;

    private final Tools tools;
    private final Slirp4netns helper;
    private final String bindHost;
    private final boolean restrict;
    private final Supplier<GuestFirewall> firewall;

    IsolatedGuestNetwork(Tools tools, String bindHost, boolean restrict, Supplier<GuestFirewall> firewall) {
        this.tools = requireNonNull(tools, "tools is null");
        this.helper = new Slirp4netns(tools.slirp4netns());
        this.bindHost = requireNonNull(bindHost, "bindHost is null");
        this.restrict = restrict;
        this.firewall = requireNonNull(firewall, "firewall is null");
    }

    /** The programs an isolated network needs, found on this host. */
    record Tools(Path unshare, Path shell, Path mount, Path iptablesRestore, Path slirp4netns) {
        Tools {
            requireNonNull(unshare, "unshare is null");
            requireNonNull(shell, "shell is null");
            requireNonNull(mount, "mount is null");
            requireNonNull(iptablesRestore, "iptablesRestore is null");
            requireNonNull(slirp4netns, "slirp4netns is null");
        }

        /**
         * Finds them, or says which are missing and which Debian package brings each.
         *
         * @throws IllegalStateException naming what is missing
         */
        static Tools find(String slirp4netnsProgram) {
            var missing = new ArrayList<String>();
            Path unshare = lookup("unshare", "unshare (apt-get install util-linux)", missing);
            Path shell = lookup("sh", "sh (apt-get install dash)", missing);
            Path mount = lookup("mount", "mount (apt-get install mount)", missing);
            Path restore = lookup("iptables-restore", "iptables-restore (apt-get install iptables)", missing);
            Path slirp = lookup(slirp4netnsProgram, slirp4netnsProgram + " (apt-get install slirp4netns)", missing);
            if (!missing.isEmpty()) {
                throw new IllegalStateException(String.join(", ", missing) + " not found");
            }
            return new Tools(unshare, shell, mount, restore, slirp);
        }

        private static Path lookup(String program, String description, List<String> missing) {
            var found = ExecutableLookup.find(program);
            // Debian keeps iptables in /usr/sbin, which a normal user's PATH lacks.
            for (String dir : List.of("/usr/sbin", "/sbin")) {
                if (found.isEmpty() && !program.contains("/")) {
                    found = ExecutableLookup.find(dir + "/" + program);
                }
            }
            if (found.isEmpty()) {
                missing.add(description);
                return null;
            }
            return found.get();
        }
    }

    /**
     * What the guest may reach from its namespace on this host now: DNS only through slirp4netns' resolver
     * address, whose answers come from the host's resolver.
     */
    static GuestFirewall firewallForThisHost(List<Cidr> allowed) {
        try {
            return new GuestFirewall(allowed, List.of(InetAddress.getByName(Slirp4netns.DNS_ADDRESS)),
                    HostNetworks.current());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not an address: " + Slirp4netns.DNS_ADDRESS, e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> qemuArgs(ForwardedPorts ports) {
        return UserNetwork.args(namespaceForwards(ports), restrict, false);
    }

    @Override
    public List<String> launchCommand(List<String> qemuCommand, VmDirectory dir) throws IOException {
        Files.writeString(dir.firewallRules(),
                firewall.get().iptablesRestore(List.of(GuestFirewall.Hook.output()), REPLIES));
        Files.writeString(dir.resolvConf(), "# QEMU's DNS in the VM's network namespace: slirp4netns' resolver\n"
                + "nameserver " + Slirp4netns.DNS_ADDRESS + "\n");
        var argv = new ArrayList<>(List.of(tools.unshare().toString(), "--user", "--map-root-user", "--net",
                "--mount", "--", tools.shell().toString(), "-c", WRAPPER, "deskpool-vm-network",
                tools.iptablesRestore().toString(), dir.firewallRules().toString(), tools.mount().toString(),
                dir.resolvConf().toString(), dir.helperPidFile().toString()));
        argv.addAll(qemuCommand);
        return argv;
    }

    @Override
    public List<String> vncArgs(VncDisplay vnc, VmDirectory dir) {
        return vnc.args(dir.vncSocket(), "0.0.0.0", VncDisplay.NAMESPACE_PORT);
    }

    @Override
    public void attach(VmDirectory dir, long qemuPid, ForwardedPorts ports, VncDisplay vnc) throws IOException {
        var forwards = new ArrayList<>(ports.forwards());
        forwards.addAll(vnc.namespaceForward());
        helper.start(dir, qemuPid, bindHost, forwards);
    }

    @Override
    public boolean attached(VmDirectory dir) {
        return helper.find(dir).isPresent();
    }

    @Override
    public StaleConnections staleConnections(ForwardedPorts ports) {
        return UserNetwork.swap(namespaceForwards(ports), restrict, false);
    }

    @Override
    public void detach(VmDirectory dir) {
        helper.stop(dir, HELPER_STOP_GRACE);
    }

    @Override
    public String describe() {
        return "isolated: own network namespace, " + (restrict ? "no outside connections"
                : "internet only (" + firewall.get().describe() + ")");
    }

    /** In the namespace each guest port is forwarded from the same port number; slirp4netns maps the host ports. */
    private static List<String> namespaceForwards(ForwardedPorts ports) {
        return ports.forwards().stream().map(f -> "tcp:0.0.0.0:" + f.guestPort() + "-:" + f.guestPort()).toList();
    }
}
