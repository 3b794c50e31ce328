package io.deskpool.provider.docker;

import io.deskpool.core.doctor.CheckContext;
import io.deskpool.core.doctor.CheckResult;
import io.deskpool.core.doctor.DoctorCheck;

import java.util.Optional;

/**
 * Whether the VMs' guests are kept off the host, the other containers and internal addresses: with
 * DOCKER_GUEST_NETWORK=isolated the server must be able to load each container's firewall (root, nsenter,
 * iptables-restore); with {@code open} the check warns what guests can reach.
 */
final class DockerGuestNetworkCheck implements DoctorCheck {
    @Override
    public String name() {
        return "guest network";
    }

    @Override
    public boolean blocking() {
        return true;
    }

    @Override
    public CheckResult run(CheckContext context) {
        DockerConfig config = DockerConfig.from(context.settings());
        String setting = DockerSettings.GUEST_NETWORK.name();
        if (!config.isolateGuests()) {
            return CheckResult.warn(setting + "=open: guests reach the host (the bridge's gateway and every address "
                            + "of the host), other containers on the bridge and every internal address the host reaches",
                    "run the server as root on the engine's host with iptables installed and set " + setting
                            + "=isolated");
        }
        Optional<String> why = ContainerFirewall.unavailable();
        if (why.isPresent()) {
            return CheckResult.fail("the guest firewall cannot be loaded into VM containers: " + why.get(),
                    "run the server as root on the engine's host (apt-get install iptables util-linux), or " + setting
                            + "=open for trusted guests only");
        }
        return CheckResult.pass("each VM container gets a firewall in its network namespace: the guest "
                + new ContainerFirewall(config.allowedInternal()).rulesFor(java.nio.file.Path.of("/etc/resolv.conf"))
                .describe());
    }
}
