package io.deskpool.core.net;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which addresses the host may fetch a caller's URL from, with this host's networks given (192.0.2.10/24). */
class FetchDestinationsTest {
    private static FetchDestinations rules(String allow) {
        return new FetchDestinations(FetchDestinations.AllowList.parse(allow),
                () -> List.of(Cidr.parse("192.0.2.10/32"), Cidr.parse("192.0.2.0/24")),
                () -> List.of(new HostNetworks.Ipv6Network(v6("2001:470:1:2::10"), 64)));
    }

    @Test
    void loopback_private_link_local_cgnat_multicast_and_reserved_are_refused() throws Exception {
        for (String internal : List.of("127.0.0.1", "169.254.169.254", "10.1.2.3", "172.17.0.1", "192.168.1.1",
                "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1")) {
            assertThat(rules("").refusal(internal, InetAddress.getByName(internal))).as(internal).isPresent();
        }
    }

    @Test
    void public_addresses_pass() throws Exception {
        for (String external : List.of("203.0.113.7", "1.1.1.1", "8.8.8.8")) {
            assertThat(rules("").refusal("files.example", InetAddress.getByName(external))).as(external).isEmpty();
        }
    }

    @Test
    void the_hosts_own_addresses_and_networks_are_refused() throws Exception {
        assertThat(rules("").refusal("me", InetAddress.getByName("192.0.2.10")))
                .hasValue("one of this host's addresses or networks");
        assertThat(rules("").refusal("neighbour", InetAddress.getByName("192.0.2.99"))).isPresent();
        assertThat(rules("").refusal("v6 neighbour", v6("2001:470:1:2::99"))).isPresent();
    }

    @Test
    void ipv6_is_allowed_only_in_global_unicast_that_does_not_tunnel_to_ipv4() throws Exception {
        for (String internal : List.of("::1", "::", "fe80::1", "fd00::1", "ff02::1", "64:ff9b::a9fe:a9fe",
                "2002:a9fe:a9fe::1", "2001:0:a9fe:a9fe::1", "::a9fe:a9fe")) {
            assertThat(rules("").refusal(internal, InetAddress.getByName(internal))).as(internal).isPresent();
        }
        assertThat(rules("").refusal("files.example", v6("2606:4700::1111"))).isEmpty();
    }

    @Test
    void an_ipv4_mapped_ipv6_address_is_judged_as_the_ipv4_address() throws Exception {
        InetAddress mapped = InetAddress.getByName("::ffff:169.254.169.254");

        assertThat(rules("").refusal("::ffff:169.254.169.254", mapped)).isPresent();
    }

    @Test
    void the_allow_list_opens_named_addresses_networks_and_host_names() throws Exception {
        FetchDestinations r = rules("127.0.0.1, 10.20.0.0/16 files.corp");

        assertThat(r.refusal("127.0.0.1", InetAddress.getByName("127.0.0.1"))).isEmpty();
        assertThat(r.refusal("x", InetAddress.getByName("10.20.3.4"))).isEmpty();
        assertThat(r.refusal("FILES.corp.", InetAddress.getByName("10.99.0.1"))).isEmpty();
        assertThat(r.refusal("other.corp", InetAddress.getByName("10.99.0.1"))).isPresent();
        assertThat(r.refusal("127.0.0.2", InetAddress.getByName("127.0.0.2"))).isPresent();
    }

    @Test
    void an_allow_list_entry_that_is_no_address_cidr_or_name_is_refused_at_parse() {
        for (String bad : List.of("10.0.0.0/40", "http://x", "a_b", "::1", "1.2.3.4.5")) {
            assertThatThrownBy(() -> FetchDestinations.AllowList.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
        }
        assertThat(FetchDestinations.AllowList.parse(" , ").isEmpty()).isTrue();
    }

    private static Inet6Address v6(String text) {
        try {
            return (Inet6Address) InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
