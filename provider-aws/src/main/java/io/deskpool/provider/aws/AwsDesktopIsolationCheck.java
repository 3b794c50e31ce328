package io.deskpool.provider.aws;

import io.deskpool.core.doctor.CheckContext;
import io.deskpool.core.doctor.CheckResult;
import io.deskpool.core.net.Cidr;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.UserIdGroupPair;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The desktops' security groups should admit the server, not the other desktops: a desktop runs untrusted code,
 * and with a rule admitting its own group (self-referencing), 0.0.0.0/0 or a range holding an address of the
 * desktops' subnet (the VPC's CIDR, say), one desktop reaches every other desktop's unauthenticated ports
 * ({@link DesktopPort}: the in-VM server, which runs commands as root, Chrome DevTools, noVNC, VLC). Such rules
 * warn, naming each, with the commands that replace them by one admitting only this server's address (the /32 the
 * desktops see, as {@link AwsIngressCheck} prints it). A rule naming exactly one of this server's own addresses as a
 * /32 admits this server alone and passes, also when the server sits in the desktops' subnet (the default
 * placement puts the desktops in the server's own subnet and groups). Prefix lists cannot be judged and are not
 * counted.
 */
final class AwsDesktopIsolationCheck extends AwsSessionCheck {
    /** One rule that lets a desktop in on {@code port} from {@code source}, and why that reaches other desktops. */
    private record Opening(String group, IpPermission rule, int port, String source, boolean sourceIsGroup, String why) {
    }

    @Override
    public String name() {
        return "AWS desktop isolation";
    }

    @Override
    public boolean blocking() {
        return false;
    }

    @Override
    CheckResult check(AwsDoctorSession aws, CheckContext context) {
        List<String> groupIds = aws.placement().securityGroups();
        List<SecurityGroup> groups = aws.call("DescribeSecurityGroups",
                () -> aws.ec2().describeSecurityGroups(r -> r.groupIds(groupIds))).securityGroups();
        String subnetId = aws.placement().subnetId().value();
        Subnet subnet = aws.call("DescribeSubnets", () -> aws.ec2().describeSubnets(r -> r.subnetIds(subnetId)))
                .subnets().get(0);
        Optional<Cidr> subnetBlock = Cidr.tryParse(subnet.cidrBlock());
        String vpcCidr = aws.call("DescribeVpcs", () -> aws.ec2().describeVpcs(r -> r.vpcIds(subnet.vpcId())))
                .vpcs().stream().findFirst().map(v -> v.cidrBlock()).orElse("");
        Optional<HostNetwork> host = aws.hostNetwork();

        var openings = new ArrayList<Opening>();
        for (SecurityGroup g : groups) {
            for (IpPermission rule : g.ipPermissions()) {
                for (DesktopPort port : DesktopPort.values()) {
                    if (AwsIngressCheck.covers(rule, port.number())) {
                        openings.addAll(openings(g.groupId(), rule, port.number(), groupIds, subnetBlock,
                                subnet.cidrBlock(), vpcCidr, host));
                    }
                }
            }
        }
        String ports = Arrays.stream(DesktopPort.values()).map(p -> Integer.toString(p.number()))
                .collect(Collectors.joining(", "));
        if (openings.isEmpty()) {
            return CheckResult.pass("no rule of " + String.join(", ", groupIds) + " lets one desktop reach another on "
                    + ports);
        }
        Optional<String> address = host.flatMap(h -> h.addressDesktopsSee(context.settings().bool(AwsSettings.USE_PUBLIC_IP)));
        String server = address.orElse("<this server's IP>");
        Set<Integer> admitted = address.map(a -> portsAdmitting(groups, a)).orElse(Set.of());
        return CheckResult.warn("desktops can reach each other's unauthenticated ports (" + ports + "; a guest runs "
                        + "untrusted code): " + openings.stream().map(o -> o.group() + " admits " + o.source() + " on " + o.port()
                        + " (" + o.why() + ")").distinct().collect(Collectors.joining("; ")),
                "admit only this server: " + commands(openings, server, admitted));
    }

    private static List<Opening> openings(String group, IpPermission rule, int port, List<String> desktopGroups,
                                          Optional<Cidr> subnet, String subnetCidr, String vpcCidr,
                                          Optional<HostNetwork> host) {
        var found = new ArrayList<Opening>();
        for (IpRange range : rule.ipRanges()) {
            String cidr = range.cidrIp();
            if (cidr == null || host.isPresent() && host.get().isOnlyThisHost(cidr)) {
                continue;
            }
            if (cidr.equals("0.0.0.0/0")) {
                found.add(new Opening(group, rule, port, cidr, false, "every address, other desktops too"));
            } else if (subnet.isPresent() && overlaps(Cidr.tryParse(cidr), subnet.get())) {
                found.add(new Opening(group, rule, port, cidr, false, cidr.equals(vpcCidr) ? "the VPC's CIDR"
                        : "includes addresses in the desktops' subnet " + subnetCidr));
            }
        }
        for (UserIdGroupPair pair : rule.userIdGroupPairs()) {
            if (desktopGroups.contains(pair.groupId())) {
                found.add(new Opening(group, rule, port, pair.groupId(), true, pair.groupId().equals(group)
                        ? "its own group: every desktop" : "a group every desktop is in"));
            }
        }
        return found;
    }

    /** Whether two blocks share an address: one holds the other's first address. */
    private static boolean overlaps(Optional<Cidr> a, Cidr b) {
        return a.isPresent() && a.get().overlaps(b);
    }

    /** The desktop ports some rule already opens to {@code address}/32 alone: authorizing them again is an error. */
    private static Set<Integer> portsAdmitting(List<SecurityGroup> groups, String address) {
        var ports = new HashSet<Integer>();
        for (SecurityGroup g : groups) {
            for (IpPermission rule : g.ipPermissions()) {
                boolean onlyAddress = rule.ipRanges().stream().map(IpRange::cidrIp).map(c -> c == null ? "" : c)
                        .flatMap(c -> Cidr.tryParse(c).stream())
                        .anyMatch(c -> c.prefix() == 32 && c.contains(address));
                for (DesktopPort port : DesktopPort.values()) {
                    if (onlyAddress && AwsIngressCheck.covers(rule, port.number())) {
                        ports.add(port.number());
                    }
                }
            }
        }
        return ports;
    }

    /**
     * For each opening: revoke it, then authorize the same port from the server's address only, unless a rule
     * already does ({@code admitted}) or the server never uses the port (x11vnc's).
     */
    private static String commands(List<Opening> openings, String server, Set<Integer> admitted) {
        var lines = new ArrayList<String>();
        for (Opening o : openings) {
            String permission = "IpProtocol=" + o.rule().ipProtocol()
                    + (o.rule().fromPort() == null ? "" : ",FromPort=" + o.rule().fromPort() + ",ToPort=" + o.rule().toPort())
                    + (o.sourceIsGroup() ? ",UserIdGroupPairs=[{GroupId=" + o.source() + "}]"
                    : ",IpRanges=[{CidrIp=" + o.source() + "}]");
            lines.add("aws ec2 revoke-security-group-ingress --group-id " + o.group() + " --ip-permissions '"
                    + permission + "'");
        }
        Set<Integer> used = DesktopPort.usedByTheServer().stream().map(DesktopPort::number).collect(Collectors.toSet());
        for (Opening o : openings.stream().filter(o -> used.contains(o.port()) && !admitted.contains(o.port())).toList()) {
            lines.add("aws ec2 authorize-security-group-ingress --group-id " + o.group() + " --protocol tcp --port "
                    + o.port() + " --cidr " + server + "/32");
        }
        return lines.stream().distinct().collect(Collectors.joining("; "));
    }
}
