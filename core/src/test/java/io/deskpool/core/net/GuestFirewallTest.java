package io.deskpool.core.net;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The guest firewall's rule set as iptables-restore reads it (loading it into a namespace is tested by the providers). */
class GuestFirewallTest {
    private static GuestFirewall firewall(List<String> allowed, List<String> resolvers, List<String> host) throws Exception {
        var dns = new java.util.ArrayList<InetAddress>();
        for (String r : resolvers) {
            dns.add(InetAddress.getByName(r));
        }
        return new GuestFirewall(allowed.stream().map(Cidr::parse).toList(), dns, host.stream().map(Cidr::parse).toList());
    }

    @Test
    void the_internal_ranges_include_the_metadata_service_loopback_private_and_cgnat_but_not_the_test_nets()
            throws Exception {
        List<Cidr> refused = firewall(List.of(), List.of(), List.of()).refused();
        for (String internal : List.of("169.254.169.254", "127.0.0.1", "10.1.2.3", "172.17.0.1", "192.168.1.1",
                "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255")) {
            assertThat(refused.stream().anyMatch(c -> c.contains(addr(internal)))).as(internal).isTrue();
        }
        for (String external : List.of("203.0.113.7", "198.51.100.7", "192.0.2.7", "1.1.1.1", "8.8.8.8")) {
            assertThat(refused.stream().anyMatch(c -> c.contains(addr(external)))).as(external).isFalse();
        }
    }

    @Test
    void the_hosts_own_networks_are_refused_too() throws Exception {
        String rules = firewall(List.of(), List.of(), List.of("192.0.2.2/32", "192.0.2.0/24"))
                .iptablesRestore(List.of(GuestFirewall.Hook.output()), new GuestFirewall.Tracked());

        assertThat(rules).contains("-A DESKPOOL-GUEST -d 192.0.2.2/32 -j DESKPOOL-REFUSE")
                .contains("-A DESKPOOL-GUEST -d 192.0.2.0/24 -j DESKPOOL-REFUSE");
    }

    @Test
    void allowed_addresses_and_dns_to_the_resolvers_pass_before_any_refusal() throws Exception {
        String rules = firewall(List.of("10.9.9.9"), List.of("10.255.255.53"), List.of())
                .iptablesRestore(List.of(GuestFirewall.Hook.output()), new GuestFirewall.Tracked());

        int allow = rules.indexOf("-d 10.9.9.9/32 -j RETURN");
        int dns = rules.indexOf("-d 10.255.255.53/32 -p udp --dport 53 -j RETURN");
        int firstRefusal = rules.indexOf("-j DESKPOOL-REFUSE");
        assertThat(allow).isPositive().isLessThan(firstRefusal);
        assertThat(dns).isPositive().isLessThan(firstRefusal);
        assertThat(rules).contains("-d 10.255.255.53/32 -p tcp --dport 53 -j RETURN")
                .doesNotContain("-d 10.255.255.53/32 -j RETURN");
    }

    @Test
    void tcp_is_refused_with_a_reset_so_the_guest_does_not_wait_for_a_timeout() throws Exception {
        String rules = firewall(List.of(), List.of(), List.of())
                .iptablesRestore(List.of(GuestFirewall.Hook.output()), new GuestFirewall.Tracked());

        assertThat(rules).contains("-A DESKPOOL-REFUSE -p tcp -j REJECT --reject-with tcp-reset").endsWith("COMMIT\n");
    }

    @Test
    void replies_are_recognised_by_tracking_or_by_the_forwarded_ports_source_port() throws Exception {
        GuestFirewall f = firewall(List.of(), List.of(), List.of());

        assertThat(f.iptablesRestore(List.of(GuestFirewall.Hook.output()), new GuestFirewall.Tracked()))
                .contains("-m conntrack --ctstate ESTABLISHED,RELATED -j RETURN");
        assertThat(f.iptablesRestore(List.of(GuestFirewall.Hook.output()), new GuestFirewall.FromPorts(List.of(5000, 9222))))
                .contains("-p tcp -m multiport --sports 5000,9222 -j RETURN").doesNotContain("conntrack");
    }

    @Test
    void the_forward_hook_leaves_out_what_enters_on_the_uplink() throws Exception {
        String rules = firewall(List.of(), List.of(), List.of()).iptablesRestore(
                List.of(GuestFirewall.Hook.output(), GuestFirewall.Hook.forwardExceptFrom("eth0")),
                new GuestFirewall.Tracked());

        assertThat(rules).contains("-I OUTPUT 1 -j DESKPOOL-GUEST\n").contains("-I FORWARD 1 ! -i eth0 -j DESKPOOL-GUEST\n");
    }

    @Test
    void an_allow_list_entry_that_is_not_an_ipv4_address_or_cidr_is_refused() {
        assertThatThrownBy(() -> Cidr.parseList("10.0.0.5, example.com")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("example.com");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Cidr.parseList("10.0.0.5, 192.168.7.0/24")).extracting(Cidr::toString)
                .containsExactly("10.0.0.5/32", "192.168.7.0/24");
    }

    private static InetAddress addr(String a) {
        try {
            return InetAddress.getByName(a);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
