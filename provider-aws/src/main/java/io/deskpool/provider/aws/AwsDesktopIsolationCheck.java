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
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The desktops' security groups should admit the server, not the other desktops: a desktop runs untrusted code,
 * and with a rule admitting its own group (self-referencing), 0.0.0.0/0 or a range holding the desktops' subnet
 * (the VPC's CIDR, say), one desktop reaches every other desktop's unauthenticated in-VM server (5000, which runs
 * commands as root) and Chrome DevTools (9222). Such rules warn, naming each, with the commands that replace them
 * by one admitting only this server's address. Prefix lists cannot be judged and are not counted.
 */
final class AwsDesktopIsolationCheck extends AwsSessionCheck {
    static final List<Integer> PORTS = List.of(5000, 9222);

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

        var openings = new ArrayList<Opening>();
        for (SecurityGroup g : groups) {
            for (IpPermission rule : g.ipPermissions()) {
                for (int port : PORTS) {
                    if (AwsIngressCheck.covers(rule, port)) {
                        openings.addAll(openings(g.groupId(), rule, port, groupIds, subnetBlock, subnet.cidrBlock(),
                                vpcCidr));
                    }
                }
            }
        }
        if (openings.isEmpty()) {
            return CheckResult.pass("no rule of " + String.join(", ", groupIds) + " lets one desktop reach another on "
                    + "5000 or 9222");
        }
        String server = serverAddress(aws, context);
        return CheckResult.warn("desktops can reach each other's in-VM server and DevTools (a guest runs untrusted "
                        + "code): " + openings.stream().map(o -> o.group() + " admits " + o.source() + " on " + o.port()
                        + " (" + o.why() + ")").distinct().collect(Collectors.joining("; ")),
                "admit only this server: " + commands(openings, server));
    }

    private static List<Opening> openings(String group, IpPermission rule, int port, List<String> desktopGroups,
                                          Optional<Cidr> subnet, String subnetCidr, String vpcCidr) {
        var found = new ArrayList<Opening>();
        for (IpRange range : rule.ipRanges()) {
            String cidr = range.cidrIp();
            if (cidr == null) {
                continue;
            }
            if (cidr.equals("0.0.0.0/0")) {
                found.add(new Opening(group, rule, port, cidr, false, "every address, other desktops too"));
            } else if (subnet.isPresent() && overlaps(Cidr.tryParse(cidr), subnet.get())) {
                found.add(new Opening(group, rule, port, cidr, false, cidr.equals(vpcCidr) ? "the VPC's CIDR"
                        : "holds the desktops' subnet " + subnetCidr));
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

    /** This server's address as the desktops see it; a placeholder off EC2. */
    private static String serverAddress(AwsDoctorSession aws, CheckContext context) {
        boolean publicIp = context.settings().bool(AwsSettings.USE_PUBLIC_IP);
        return aws.hostNetwork()
                .flatMap(h -> publicIp ? h.publicIp().or(h::privateIp) : h.privateIp())
                .orElse("<this server's IP>");
    }

    /** For each opening: revoke it, then authorize the same port from the server's address only. */
    private static String commands(List<Opening> openings, String server) {
        var lines = new ArrayList<String>();
        for (Opening o : openings) {
            String permission = "IpProtocol=" + o.rule().ipProtocol()
                    + (o.rule().fromPort() == null ? "" : ",FromPort=" + o.rule().fromPort() + ",ToPort=" + o.rule().toPort())
                    + (o.sourceIsGroup() ? ",UserIdGroupPairs=[{GroupId=" + o.source() + "}]"
                    : ",IpRanges=[{CidrIp=" + o.source() + "}]");
            lines.add("aws ec2 revoke-security-group-ingress --group-id " + o.group() + " --ip-permissions '"
                    + permission + "'");
        }
        for (Opening o : openings) {
            lines.add("aws ec2 authorize-security-group-ingress --group-id " + o.group() + " --protocol tcp --port "
                    + o.port() + " --cidr " + server + "/32");
        }
        return lines.stream().distinct().collect(Collectors.joining("; "));
    }
}
