package io.deskpool.provider.aws;

import io.deskpool.core.doctor.CheckContext;
import io.deskpool.core.doctor.CheckOutcome;
import io.deskpool.core.doctor.CheckStatus;
import io.deskpool.core.doctor.Doctor;
import io.deskpool.core.doctor.DoctorCheck;
import io.deskpool.core.doctor.DoctorReport;
import io.deskpool.core.net.Cidr;
import io.deskpool.core.settings.Settings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.UserIdGroupPair;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The aws provider's doctor checks against moto's EC2, with this "host" described by the IMDS stand-in: its
 * private address (10.0.0.5, a string compared with rules, never contacted), VPC and security group. The
 * default-placement cases put the host where PlacementDetector puts the desktops by default: an address inside
 * moto's subnet, the desktops' subnet and groups being the host's own; their printed fixes are run with the real
 * AWS CLI against moto.
 */
class AwsDoctorChecksTest {
    private static final String HOST_IP = "10.0.0.5";
    private static final String MAC = "0e:00:00:00:00:01";
    private static EmulatorEc2 moto;
    private static String defaultVpc;
    private static String hostGroup;

    private final ImdsStandIn imds = ImdsStandIn.start();

    @BeforeAll
    static void connect() {
        moto = new EmulatorEc2(MotoServer.endpoint(), "us-east-1");
        defaultVpc = moto.client().describeSubnets(r -> r.subnetIds(moto.firstSubnet())).subnets().get(0).vpcId();
        hostGroup = group("host", defaultVpc);
    }

    @AfterAll
    static void disconnect() {
        moto.close();
    }

    @AfterEach
    void stopImds() {
        imds.close();
    }

    /** A new security group in {@code vpc}, with these ingress rules. */
    private static String group(String purpose, String vpc, IpPermission... rules) {
        String id = moto.client().createSecurityGroup(r -> r.groupName("doctor-" + purpose + "-" + UUID.randomUUID())
                .description("doctor test " + purpose).vpcId(vpc)).groupId();
        if (rules.length > 0) {
            moto.client().authorizeSecurityGroupIngress(r -> r.groupId(id).ipPermissions(rules));
        }
        return id;
    }

    private static IpPermission tcpFrom(int port, String cidr) {
        return IpPermission.builder().ipProtocol("tcp").fromPort(port).toPort(port)
                .ipRanges(IpRange.builder().cidrIp(cidr).build()).build();
    }

    private static IpPermission tcpFromGroup(int from, int to, String group) {
        return IpPermission.builder().ipProtocol("tcp").fromPort(from).toPort(to)
                .userIdGroupPairs(UserIdGroupPair.builder().groupId(group).build()).build();
    }

    private static IpPermission[] desktopPortsFrom(String cidr) {
        return new IpPermission[]{tcpFrom(5000, cidr), tcpFrom(9222, cidr), tcpFrom(8080, cidr), tcpFrom(5910, cidr),
                tcpFrom(8006, cidr)};
    }

    /**
     * moto's endpoint, keys and AMI, no subnet or group set, and this host in moto's subnet at {@code serverIp}
     * with {@code serverGroup}: the placement detected from IMDS puts the desktops in the host's own subnet and group.
     */
    private Map<String, String> defaultPlacement(String serverGroup, String serverIp) {
        imds.withHost("us-east-1", MAC, moto.firstSubnet(), serverGroup)
                .put("local-ipv4", serverIp)
                .put("network/interfaces/macs/" + MAC + "/vpc-id", defaultVpc);
        var s = new HashMap<>(moto.launchSettings());
        s.remove("AWS_SUBNET_ID");
        s.remove("AWS_SECURITY_GROUP_ID");
        s.put("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.uri().toString());
        return s;
    }

    /** An address inside moto's first subnet (the desktops' subnet with the default placement). */
    private static String addressInTheDesktopsSubnet() {
        String cidr = moto.client().describeSubnets(r -> r.subnetIds(moto.firstSubnet())).subnets().get(0).cidrBlock();
        Cidr subnet = Cidr.parse(cidr);
        String address = new Cidr(subnet.network() + 10, 32).firstAddress();
        assertThat(subnet.contains(address)).as(address + " in " + cidr).isTrue();
        return address;
    }

    private static IpPermission[] desktopPortsFromGroup(String group) {
        return new IpPermission[]{tcpFromGroup(5000, 5000, group), tcpFromGroup(9222, 9222, group),
                tcpFromGroup(8080, 8080, group), tcpFromGroup(5910, 5910, group), tcpFromGroup(8006, 8006, group)};
    }

    /** moto's endpoint, keys, subnet and AMI, VMs in {@code vmGroup}, and this host as the IMDS stand-in tells it. */
    private Map<String, String> settings(String vmGroup, String... extra) {
        imds.withHost("us-east-1", MAC, moto.firstSubnet(), hostGroup)
                .put("local-ipv4", HOST_IP)
                .put("network/interfaces/macs/" + MAC + "/vpc-id", defaultVpc);
        var s = new HashMap<>(moto.launchSettings());
        s.put("AWS_SECURITY_GROUP_ID", vmGroup);
        s.put("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.uri().toString());
        s.put("POOL_SIZE", "2");
        for (int i = 0; i + 1 < extra.length; i += 2) {
            s.put(extra[i], extra[i + 1]);
        }
        return s;
    }

    private static DoctorReport doctor(Map<String, String> settings) {
        Settings s = Settings.of(settings);
        return Doctor.run(new Ec2ProviderFactory().checks(s), new CheckContext(s, Duration.ofSeconds(20)));
    }

    private static CheckOutcome run(DoctorCheck check, Map<String, String> settings) {
        Settings s = Settings.of(settings);
        return Doctor.run(List.of(check), new CheckContext(s, Duration.ofSeconds(20))).outcomes().get(0);
    }

    private static CheckOutcome outcome(DoctorReport report, String name) {
        return report.outcomes().stream().filter(o -> o.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check named " + name + " in " + report.outcomes()));
    }

    @Test
    void a_complete_setup_passes_placement_credentials_ami_network_and_ports() {
        String vmGroup = group("ok", defaultVpc, desktopPortsFrom("10.0.0.0/16"));

        DoctorReport report = doctor(settings(vmGroup));

        assertThat(report.outcomes()).extracting(CheckOutcome::name).containsExactly("AWS placement", "AWS credentials",
                "AWS AMI", "AWS subnet and groups", "AWS ingress ports", "AWS desktop isolation", "AWS vCPU quota");
        for (String name : List.of("AWS placement", "AWS credentials", "AWS AMI", "AWS subnet and groups", "AWS ingress ports",
                "AWS desktop isolation")) {
            assertThat(outcome(report, name).status()).as(name + ": " + outcome(report, name).result()).isEqualTo(CheckStatus.PASS);
        }
        assertThat(outcome(report, "AWS subnet and groups").result().summary()).endsWith("this host's VPC");
        assertThat(outcome(report, "AWS ingress ports").result().summary()).contains("5000 from 10.0.0.0/16");
        CheckOutcome quota = outcome(report, "AWS vCPU quota");
        assertThat(quota.status()).isEqualTo(CheckStatus.WARN);
        assertThat(quota.result().summary()).contains("POOL_SIZE=2 x t3.xlarge (4 vCPUs) = 8 vCPUs")
                .contains("could not be read");
        assertThat(report.hasBlockingFailure()).isFalse();
    }

    @Test
    void a_security_group_without_the_desktop_ports_is_a_blocking_failure_with_the_commands_to_open_them() {
        String closed = group("closed", defaultVpc);

        CheckOutcome ports = run(new AwsIngressCheck(), settings(closed));

        assertThat(ports.blocks()).isTrue();
        assertThat(ports.result().summary()).contains("ports 5000 (in-VM server), 9222 (Chrome DevTools) are not open to this host")
                .contains(closed);
        assertThat(ports.result().fix()).contains("aws ec2 authorize-security-group-ingress --group-id " + closed
                + " --protocol tcp --port 5000 --source-group " + hostGroup).contains("--port 9222");
    }

    @Test
    void a_rule_naming_the_hosts_own_group_admits_it() {
        String byGroup = group("by-group", defaultVpc, tcpFromGroup(5000, 5000, hostGroup), tcpFromGroup(9222, 9222, hostGroup),
                tcpFromGroup(8006, 8006, hostGroup), tcpFromGroup(8080, 8080, hostGroup));
        moto.client().authorizeSecurityGroupIngress(r -> r.groupId(byGroup).ipPermissions(tcpFrom(5910, "0.0.0.0/0")));

        CheckOutcome ports = run(new AwsIngressCheck(), settings(byGroup));

        assertThat(ports.status()).as(ports.result().toString()).isEqualTo(CheckStatus.PASS);
        assertThat(ports.result().summary()).contains("5000 from " + hostGroup).contains("5910 from 0.0.0.0/0");
    }

    @Test
    void a_rule_for_another_address_does_not_count() {
        String elsewhere = group("elsewhere", defaultVpc, desktopPortsFrom("192.0.2.0/24"));

        CheckOutcome ports = run(new AwsIngressCheck(), settings(elsewhere));

        assertThat(ports.blocks()).isTrue();
        assertThat(ports.result().fix()).contains("--port 5000");
    }

    @Test
    void only_the_readiness_ports_open_warns_about_vlc_and_vnc() {
        String partial = group("partial", defaultVpc, tcpFrom(5000, HOST_IP + "/32"), tcpFrom(9222, HOST_IP + "/32"));

        CheckOutcome ports = run(new AwsIngressCheck(), settings(partial));

        assertThat(ports.status()).isEqualTo(CheckStatus.WARN);
        assertThat(ports.blocks()).isFalse();
        assertThat(ports.result().summary()).contains("8080 (VLC)").contains("5910");
    }

    @Test
    void off_ec2_rules_that_name_sources_cannot_be_judged_and_warn() {
        String named = group("named", defaultVpc, desktopPortsFrom("10.1.0.0/16"));
        var s = settings(named, "AWS_EC2_METADATA_DISABLED", "true");

        CheckOutcome ports = run(new AwsIngressCheck(), s);
        CheckOutcome network = run(new AwsNetworkCheck(), s);

        assertThat(ports.status()).isEqualTo(CheckStatus.WARN);
        assertThat(ports.result().summary()).contains("not on EC2").contains("5000 from 10.1.0.0/16");
        assertThat(network.status()).isEqualTo(CheckStatus.WARN);
        assertThat(network.result().fix()).contains("AWS_USE_PUBLIC_IP=true");
    }

    @Test
    void a_self_referencing_rule_on_the_in_vm_server_port_warns_with_the_command_revoking_it() {
        String self = group("self", defaultVpc, desktopPortsFrom(HOST_IP + "/32"));
        moto.client().authorizeSecurityGroupIngress(r -> r.groupId(self).ipPermissions(tcpFromGroup(5000, 5000, self)));

        CheckOutcome isolation = run(new AwsDesktopIsolationCheck(), settings(self));

        assertThat(isolation.status()).isEqualTo(CheckStatus.WARN);
        assertThat(isolation.result().summary()).contains(self + " admits " + self + " on 5000 (its own group");
        assertThat(isolation.result().fix())
                .contains("aws ec2 revoke-security-group-ingress --group-id " + self
                        + " --ip-permissions 'IpProtocol=tcp,FromPort=5000,ToPort=5000,UserIdGroupPairs=[{GroupId=" + self + "}]'")
                .doesNotContain("--port 5000 --cidr"); // a rule already admits HOST_IP/32: EC2 would refuse a duplicate
    }

    @Test
    void devtools_open_to_every_address_warns() {
        String open = group("open", defaultVpc, tcpFrom(5000, HOST_IP + "/32"), tcpFrom(9222, "0.0.0.0/0"));

        CheckOutcome isolation = run(new AwsDesktopIsolationCheck(), settings(open));

        assertThat(isolation.status()).isEqualTo(CheckStatus.WARN);
        assertThat(isolation.result().summary()).contains(open + " admits 0.0.0.0/0 on 9222").doesNotContain("on 5000");
        assertThat(isolation.result().fix()).contains("--port 9222 --cidr " + HOST_IP + "/32");
    }

    @Test
    void the_vpcs_cidr_on_the_desktop_ports_warns() {
        String vpcCidr = moto.client().describeVpcs(r -> r.vpcIds(defaultVpc)).vpcs().get(0).cidrBlock();
        String wide = group("vpc", defaultVpc, desktopPortsFrom(vpcCidr));

        CheckOutcome isolation = run(new AwsDesktopIsolationCheck(), settings(wide));

        assertThat(isolation.status()).isEqualTo(CheckStatus.WARN);
        assertThat(isolation.result().summary()).contains(wide + " admits " + vpcCidr + " on 5000 (the VPC's CIDR)")
                .contains(" on 9222");
    }

    @Test
    void rules_admitting_only_this_server_pass_the_isolation_check() {
        String tight = group("tight", defaultVpc, desktopPortsFrom(HOST_IP + "/32"));

        CheckOutcome isolation = run(new AwsDesktopIsolationCheck(), settings(tight));

        assertThat(isolation.status()).as(isolation.result().toString()).isEqualTo(CheckStatus.PASS);
    }

    @Test
    void a_rule_admitting_the_servers_own_address_passes_isolation_even_inside_the_desktops_subnet() {
        String server = addressInTheDesktopsSubnet();
        String serverGroup = group("server-in-subnet", defaultVpc, desktopPortsFrom(server + "/32"));

        CheckOutcome isolation = run(new AwsDesktopIsolationCheck(), defaultPlacement(serverGroup, server));

        assertThat(isolation.status()).as(isolation.result().toString()).isEqualTo(CheckStatus.PASS);
    }

    @Test
    void another_address_of_the_desktops_subnet_still_warns() {
        String server = addressInTheDesktopsSubnet();
        String desktop = new Cidr(Cidr.parse(server).network() + 1, 32).firstAddress();
        String serverGroup = group("desktop-address", defaultVpc, desktopPortsFrom(server + "/32"));
        moto.client().authorizeSecurityGroupIngress(r -> r.groupId(serverGroup).ipPermissions(tcpFrom(5000, desktop + "/32")));

        CheckOutcome isolation = run(new AwsDesktopIsolationCheck(), defaultPlacement(serverGroup, server));

        assertThat(isolation.status()).isEqualTo(CheckStatus.WARN);
        assertThat(isolation.result().summary()).contains(serverGroup + " admits " + desktop + "/32 on 5000 (includes "
                + "addresses in the desktops' subnet");
    }

    @Test
    void with_the_default_placement_the_ingress_fix_admits_the_servers_address_and_passes_both_checks() throws Exception {
        String server = addressInTheDesktopsSubnet();
        String serverGroup = group("default-closed", defaultVpc);
        var s = defaultPlacement(serverGroup, server);

        CheckOutcome before = run(new AwsIngressCheck(), s);
        assertThat(before.blocks()).as(before.result().toString()).isTrue();
        assertThat(before.result().fix()).doesNotContain("--source-group")
                .contains("--group-id " + serverGroup + " --protocol tcp --port 5000 --cidr " + server + "/32")
                .contains("--port 8080 --cidr " + server + "/32");
        new AwsCli(MotoServer.endpoint(), "us-east-1").follow(before.result().fix());

        CheckOutcome ingress = run(new AwsIngressCheck(), s);
        CheckOutcome isolation = run(new AwsDesktopIsolationCheck(), s);
        assertThat(ingress.status()).as(ingress.result().toString()).isEqualTo(CheckStatus.PASS);
        assertThat(isolation.status()).as(isolation.result().toString()).isEqualTo(CheckStatus.PASS);
    }

    @Test
    void with_the_default_placement_the_isolation_fix_replaces_a_self_referencing_rule_and_passes_both_checks()
            throws Exception {
        String server = addressInTheDesktopsSubnet();
        String serverGroup = group("default-self", defaultVpc);
        moto.client().authorizeSecurityGroupIngress(r -> r.groupId(serverGroup).ipPermissions(desktopPortsFromGroup(serverGroup)));
        var s = defaultPlacement(serverGroup, server);

        CheckOutcome admittedByItsGroup = run(new AwsIngressCheck(), s);
        CheckOutcome before = run(new AwsDesktopIsolationCheck(), s);
        assertThat(admittedByItsGroup.status()).as(admittedByItsGroup.result().toString()).isEqualTo(CheckStatus.PASS);
        assertThat(before.status()).as(before.result().toString()).isEqualTo(CheckStatus.WARN);
        assertThat(before.result().fix()).contains("--port 5000 --cidr " + server + "/32");
        new AwsCli(MotoServer.endpoint(), "us-east-1").follow(before.result().fix());

        CheckOutcome ingress = run(new AwsIngressCheck(), s);
        CheckOutcome isolation = run(new AwsDesktopIsolationCheck(), s);
        assertThat(ingress.status()).as(ingress.result().toString()).isEqualTo(CheckStatus.PASS);
        assertThat(ingress.result().summary()).contains("5000 from " + server + "/32").doesNotContain(serverGroup + ";");
        assertThat(isolation.status()).as(isolation.result().toString()).isEqualTo(CheckStatus.PASS);
    }

    @Test
    void novnc_vlc_and_vnc_open_to_every_address_warn_as_the_in_vm_server_does() {
        String open = group("viewers", defaultVpc, tcpFrom(5000, HOST_IP + "/32"), tcpFrom(9222, HOST_IP + "/32"),
                tcpFrom(5910, "0.0.0.0/0"), tcpFrom(8080, "0.0.0.0/0"), tcpFrom(8006, "0.0.0.0/0"),
                tcpFrom(5900, "0.0.0.0/0"));

        CheckOutcome isolation = run(new AwsDesktopIsolationCheck(), settings(open));

        assertThat(isolation.status()).isEqualTo(CheckStatus.WARN);
        assertThat(isolation.result().summary()).contains(open + " admits 0.0.0.0/0 on 5910")
                .contains(open + " admits 0.0.0.0/0 on 8080").contains(open + " admits 0.0.0.0/0 on 8006")
                .contains(open + " admits 0.0.0.0/0 on 5900").doesNotContain("on 5000").doesNotContain("on 9222");
        assertThat(isolation.result().fix()).contains("--port 5910 --cidr " + HOST_IP + "/32")
                .contains("--port 8080 --cidr " + HOST_IP + "/32").contains("--port 8006 --cidr " + HOST_IP + "/32")
                .contains("IpRanges=[{CidrIp=0.0.0.0/0}]").doesNotContain("--port 5900 --cidr");
    }

    @Test
    void a_security_group_of_another_vpc_is_a_blocking_failure() {
        String otherVpc = moto.client().createVpc(r -> r.cidrBlock("10.50.0.0/16")).vpc().vpcId();
        String foreign = group("foreign", otherVpc, desktopPortsFrom("0.0.0.0/0"));

        CheckOutcome network = run(new AwsNetworkCheck(), settings(foreign));

        assertThat(network.blocks()).isTrue();
        assertThat(network.result().summary()).contains(foreign + " is in " + otherVpc).contains("is in " + defaultVpc);
    }

    @Test
    void a_host_in_another_vpc_cannot_reach_private_ips_unless_public_ips_are_used() {
        String vmGroup = group("vpc-mismatch", defaultVpc, desktopPortsFrom("0.0.0.0/0"));
        var s = settings(vmGroup);
        imds.put("network/interfaces/macs/" + MAC + "/vpc-id", "vpc-0f0f0f0f0f0f0f0f0");

        CheckOutcome privateIps = run(new AwsNetworkCheck(), s);
        var publicSettings = new HashMap<>(s);
        publicSettings.put("AWS_USE_PUBLIC_IP", "true");
        CheckOutcome publicIps = run(new AwsNetworkCheck(), publicSettings);

        assertThat(privateIps.blocks()).isTrue();
        assertThat(privateIps.result().summary()).contains("this host is in vpc-0f0f0f0f0f0f0f0f0");
        assertThat(publicIps.status()).isEqualTo(CheckStatus.PASS);
    }

    @Test
    void the_osworld_ami_missing_from_the_region_fails_with_how_to_copy_it() {
        var s = settings(group("ami", defaultVpc));
        s.remove("AWS_AMI_ID");

        CheckOutcome ami = run(new AwsAmiCheck(), s);

        assertThat(ami.blocks()).isTrue();
        assertThat(ami.result().summary()).contains("ami-0d23263edb96951d8 (OSWorld's AMI for us-east-1) is not visible");
        assertThat(ami.result().fix()).contains("aws ec2 copy-image --source-region us-east-1 --source-image-id ami-0d23263edb96951d8");
    }

    @Test
    void a_region_without_an_osworld_ami_needs_aws_ami_id() {
        var s = settings(group("region", defaultVpc), "AWS_REGION", "us-west-2");
        s.remove("AWS_AMI_ID");

        CheckOutcome ami = run(new AwsAmiCheck(), s);

        assertThat(ami.blocks()).isTrue();
        assertThat(ami.result().summary()).contains("OSWorld has no AMI for us-west-2");
    }

    @Test
    void missing_placement_off_ec2_fails_naming_the_settings_and_the_rest_are_not_checked() {
        var s = new HashMap<>(moto.launchSettings());
        s.remove("AWS_SUBNET_ID");
        s.remove("AWS_SECURITY_GROUP_ID");
        s.put("AWS_EC2_METADATA_DISABLED", "true");

        DoctorReport report = doctor(s);

        CheckOutcome placement = outcome(report, "AWS placement");
        assertThat(placement.blocks()).isTrue();
        assertThat(placement.result().summary()).contains("AWS_SUBNET_ID").contains("AWS_SECURITY_GROUP_ID");
        assertThat(outcome(report, "AWS ingress ports").result().summary()).startsWith("not checked");
    }

    @Test
    void keys_ec2_does_not_know_fail_the_credentials_check() {
        try (MotoServer.Running strict = MotoServer.startDedicated(Map.of("INITIAL_NO_AUTH_ACTION_COUNT", "0"))) {
            var s = settings(hostGroup, "AWS_ENDPOINT_URL", strict.endpoint().toString(),
                    "AWS_ACCESS_KEY_ID", "AKIAUNKNOWNUNKNOWN00", "AWS_SECRET_ACCESS_KEY", "not-a-real-secret");

            CheckOutcome credentials = run(new AwsCredentialsCheck(), s);

            assertThat(credentials.blocks()).isTrue();
            assertThat(credentials.result().summary()).contains("DescribeRegions").doesNotContain("not-a-real-secret");
            assertThat(credentials.result().fix()).contains("aws configure");
        }
    }

    @Test
    void the_vcpu_quota_is_read_from_service_quotas_with_a_signed_request() throws Exception {
        try (ServiceQuotasStandIn quotas = ServiceQuotasStandIn.answering(8)) {
            var s = settings(hostGroup, "AWS_ENDPOINT_URL_SERVICE_QUOTAS", quotas.uri().toString());

            CheckOutcome fits = run(new AwsVcpuQuotaCheck(), s);
            s.put("POOL_SIZE", "5");
            CheckOutcome tooMany = run(new AwsVcpuQuotaCheck(), s);

            assertThat(fits.status()).as(fits.result().toString()).isEqualTo(CheckStatus.PASS);
            assertThat(fits.result().summary()).contains("8 vCPUs within the On-Demand Standard vCPU quota of 8");
            assertThat(tooMany.status()).isEqualTo(CheckStatus.WARN);
            assertThat(tooMany.result().summary()).contains("= 20 vCPUs").contains("beyond 2 VMs");
            assertThat(tooMany.result().fix()).contains("POOL_SIZE=2");
            ServiceQuotasStandIn.Call call = quotas.calls().get(0);
            assertThat(call.target()).isEqualTo("ServiceQuotasV20190624.GetServiceQuota");
            assertThat(call.authorization()).startsWith("AWS4-HMAC-SHA256 Credential=" + EmulatorEc2.ACCESS_KEY + "/")
                    .contains("/us-east-1/servicequotas/aws4_request");
            assertThat(call.body()).isEqualTo("{\"ServiceCode\":\"ec2\",\"QuotaCode\":\"L-1216C47A\"}");
        }
    }
}
