package io.deskpool.provider.vmware;

import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.VmEndpoints;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which guest ports a VMware VM's endpoints name: every one a service OSWorld's VM images run. */
class GuestPortsTest {
    @Test
    void by_default_the_vnc_port_is_the_images_novnc_on_5910_not_the_docker_images_8006() {
        VmEndpoints e = GuestPorts.from(Settings.of(Map.of())).at("192.0.2.10");

        assertThat(e.vncPort()).isEqualTo(5910);
        assertThat(e.vncWebSocketUri().toString()).isEqualTo("ws://192.0.2.10:5910/websockify");
        assertThat(e.serverPort()).isEqualTo(VmEndpoints.GUEST_SERVER_PORT);
        assertThat(e.cdpPort()).isEqualTo(VmEndpoints.GUEST_CDP_PORT);
        assertThat(e.vlcPort()).isEqualTo(VmEndpoints.GUEST_VLC_PORT);
    }
}
