package io.deskpool.provider.aws;

import io.deskpool.core.doctor.CheckContext;
import io.deskpool.core.doctor.CheckResult;
import io.deskpool.core.net.Cidr;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.UserIdGroupPair;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The VMs' security groups let this host in on the desktop's ports ({@link DesktopPort#usedByTheServer()}). Without
 * 5000 (in-VM server) and 9222 (Chrome DevTools) no VM ever becomes ready (the seeds' "Connection refused"), so
 * those block; 8080 (VLC), 5910 (noVNC on the OSWorld AMI) and 8006 (the VNC port OSWorld's AWS guide opens) only
 * warn. A rule admits the host when its source is 0.0.0.0/0, a CIDR holding the host's address (private, or public
 * with AWS_USE_PUBLIC_IP), or a security group the host is in (private addresses only). Off EC2 the host's address
 * is unknown, and rules that name sources can only be listed.
 *
 * <p>The printed fix opens every closed port to this host alone, so that following it also passes
 * {@link AwsDesktopIsolationCheck}: by the host's /32 (the address the desktops see, as that check prints it), or
 * by a group of the host's that the desktops are not in. Never by a group the desktops are in: with the default
 * placement the desktops get the host's own groups, and such a rule lets every desktop into every other one.
 */
final class AwsIngressCheck extends AwsSessionCheck {
    private enum Verdict { ADMITTED, UNKNOWN, CLOSED }

    private record Admission(Verdict verdict, List<String> sources) {
    }

    @Override
    public String name() {
        return "AWS ingress ports";
    }

    @Override
    public boolean blocking() {
        return true;
    }

    @Override
    CheckResult check(AwsDoctorSession aws, CheckContext context) {
        List<String> groupIds = aws.placement().securityGroups();
        List<SecurityGroup> groups = aws.call("DescribeSecurityGroups",
                () -> aws.ec2().describeSecurityGroups(r -> r.groupIds(groupIds))).securityGroups();
        List<IpPermission> rules = groups.stream().flatMap(g -> g.ipPermissions().stream()).toList();
        boolean publicIp = context.settings().bool(AwsSettings.USE_PUBLIC_IP);
        Optional<HostNetwork> host = aws.hostNetwork();
        List<String> addresses = host.map(h -> addresses(h, publicIp)).orElse(List.of());
        List<String> hostGroups = host.filter(h -> !publicIp).map(HostNetwork::securityGroups).orElse(List.of());
        boolean hostKnown = !addresses.isEmpty() || !hostGroups.isEmpty();
        String source = source(host, publicIp, hostGroups, groupIds);

        var closedRequired = new ArrayList<DesktopPort>();
        var closedWanted = new ArrayList<DesktopPort>();
        var unknown = new LinkedHashMap<DesktopPort, List<String>>();
        var admitted = new LinkedHashMap<DesktopPort, List<String>>();
        for (DesktopPort port : DesktopPort.usedByTheServer()) {
            Admission a = admission(rules, port.number(), addresses, hostGroups, hostKnown);
            switch (a.verdict()) {
                case ADMITTED -> admitted.put(port, a.sources());
                case UNKNOWN -> unknown.put(port, a.sources());
                case CLOSED -> (port.use() == DesktopPort.Use.READINESS ? closedRequired : closedWanted).add(port);
            }
        }
        var closed = new ArrayList<>(closedRequired);
        closed.addAll(closedWanted);
        String who = hostKnown ? "this host (" + String.join(", ", addresses.isEmpty() ? hostGroups : addresses) + ")"
                : "this host";
        String where = String.join(", ", groupIds);
        if (!closedRequired.isEmpty()) {
            return CheckResult.fail(describe(closedRequired) + " not open to " + who + " in " + where
                            + ": no VM can become ready (the server's probes get 'Connection refused' or time out)",
                    authorize(groupIds.get(0), closed, source));
        }
        if (!hostKnown && !unknown.isEmpty()) {
            return CheckResult.warn("this host is not on EC2, so whether " + where + " admit it cannot be told: "
                            + unknown.entrySet().stream().map(e -> e.getKey().number() + " from " + String.join(" ", e.getValue()))
                            .collect(Collectors.joining("; ")),
                    "make sure this host's address is among those sources, or open the ports to it: "
                            + authorize(groupIds.get(0), new ArrayList<>(unknown.keySet()), source));
        }
        if (!closedWanted.isEmpty()) {
            return CheckResult.warn(describe(closedWanted) + " not open to " + who + " in " + where
                            + "; VMs work, but clients cannot use what those ports serve",
                    authorize(groupIds.get(0), closedWanted, source));
        }
        return CheckResult.pass(admitted.entrySet().stream().map(e -> e.getKey().number() + " from " + String.join(" ", e.getValue()))
                .collect(Collectors.joining("; ")) + " (" + where + " admit " + who + ")");
    }

    private static Admission admission(List<IpPermission> rules, int port, List<String> addresses,
                                       List<String> hostGroups, boolean hostKnown) {
        var yes = new LinkedHashSet<String>();
        var maybe = new LinkedHashSet<String>();
        for (IpPermission rule : rules) {
            if (!covers(rule, port)) {
                continue;
            }
            for (IpRange range : rule.ipRanges()) {
                String cidr = range.cidrIp();
                if (cidr == null) {
                    continue;
                }
                Optional<Cidr> block = Cidr.tryParse(cidr);
                if (cidr.equals("0.0.0.0/0") || block.isPresent() && addresses.stream().anyMatch(block.get()::contains)) {
                    yes.add(cidr);
                } else if (!hostKnown) {
                    maybe.add(cidr);
                }
            }
            for (UserIdGroupPair pair : rule.userIdGroupPairs()) {
                if (hostGroups.contains(pair.groupId())) {
                    yes.add(pair.groupId());
                } else if (!hostKnown) {
                    maybe.add(pair.groupId());
                }
            }
            if (!hostKnown && !rule.prefixListIds().isEmpty()) {
                maybe.add("a prefix list");
            }
        }
        if (!yes.isEmpty()) {
            return new Admission(Verdict.ADMITTED, List.copyOf(yes));
        }
        return maybe.isEmpty() ? new Admission(Verdict.CLOSED, List.of()) : new Admission(Verdict.UNKNOWN, List.copyOf(maybe));
    }

    /** Whether a rule's protocol and port range include TCP {@code port}. */
    static boolean covers(IpPermission rule, int port) {
        String protocol = rule.ipProtocol() == null ? "" : rule.ipProtocol();
        if (!protocol.equals("-1") && !protocol.equalsIgnoreCase("tcp") && !protocol.equals("6")) {
            return false;
        }
        Integer from = rule.fromPort();
        Integer to = rule.toPort();
        if (protocol.equals("-1") || from == null || to == null || from == -1) {
            return true;
        }
        return from <= port && port <= to;
    }

    private static List<String> addresses(HostNetwork host, boolean publicIp) {
        var list = new ArrayList<String>();
        host.privateIp().ifPresent(list::add);
        if (publicIp) {
            host.publicIp().ifPresent(list::add);
        }
        return list;
    }

    private static String describe(List<DesktopPort> ports) {
        return (ports.size() == 1 ? "port " : "ports ") + ports.stream().map(DesktopPort::described)
                .collect(Collectors.joining(", ")) + (ports.size() == 1 ? " is" : " are");
    }

    /**
     * The source a rule should name to admit this host alone: a group of the host's the desktops are not in, else
     * the /32 of the address the desktops see; a placeholder when neither is known.
     */
    private static String source(Optional<HostNetwork> host, boolean publicIp, List<String> hostGroups,
                                 List<String> desktopGroups) {
        Optional<String> ownGroup = hostGroups.stream().filter(g -> !desktopGroups.contains(g)).findFirst();
        if (ownGroup.isPresent()) {
            return "--source-group " + ownGroup.get();
        }
        return "--cidr " + host.flatMap(h -> h.addressDesktopsSee(publicIp)).orElse("<this host's IP>") + "/32";
    }

    private static String authorize(String group, List<DesktopPort> ports, String source) {
        return ports.stream().map(p -> "aws ec2 authorize-security-group-ingress --group-id " + group
                + " --protocol tcp --port " + p.number() + " " + source).collect(Collectors.joining("; "));
    }
}
