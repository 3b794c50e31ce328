package io.deskpool.core.net;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CidrTest {
    @Test
    void a_block_holds_the_addresses_it_should() {
        assertThat(Cidr.parse("10.0.0.0/16").contains("10.0.255.1")).isTrue();
        assertThat(Cidr.parse("10.0.0.0/16").contains("10.1.0.1")).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains("203.0.113.9")).isTrue();
        assertThat(Cidr.parse("10.0.0.5").contains("10.0.0.5")).isTrue();
        assertThat(Cidr.parse("10.0.0.5").contains("10.0.0.6")).isFalse();
    }

    @Test
    void the_address_is_stored_masked() {
        assertThat(Cidr.parse("10.1.2.3/8")).isEqualTo(Cidr.parse("10.0.0.0/8"));
        assertThat(Cidr.parse("10.1.2.3/8").firstAddress()).isEqualTo("10.0.0.0");
        assertThat(Cidr.parse("10.1.2.3/8")).hasToString("10.0.0.0/8");
    }

    @Test
    void blocks_overlap_when_one_holds_the_other() {
        assertThat(Cidr.parse("10.0.0.0/16").overlaps(Cidr.parse("10.0.3.0/24"))).isTrue();
        assertThat(Cidr.parse("10.0.3.0/24").overlaps(Cidr.parse("10.0.0.0/16"))).isTrue();
        assertThat(Cidr.parse("10.0.0.0/16").overlaps(Cidr.parse("10.1.0.0/16"))).isFalse();
    }

    @Test
    void anything_but_an_ipv4_address_or_block_is_not_parsed_and_never_looked_up() {
        for (String bad : new String[]{"::/0", "example.com", "300.1.1.1", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/"}) {
            assertThat(Cidr.tryParse(bad)).as(bad).isEmpty();
            assertThatThrownBy(() -> Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Cidr.tryParse("not-a-host-9e0b.invalid")).isEmpty();
    }
}
