package io.deskpool.provider.qemu;

import io.deskpool.core.doctor.CheckContext;
import io.deskpool.core.doctor.CheckResult;
import io.deskpool.core.doctor.DoctorCheck;
import io.deskpool.core.net.GuestFirewall;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Whether guests are kept off the host and internal networks. With QEMU_GUEST_NETWORK=isolated the programs must
 * be here and the firewall must load in a throw-away user and network namespace (the kernel may lack iptables
 * support or forbid unprivileged user namespaces); with {@code host} the check warns what guests can reach.
 */
final class GuestNetworkCheck implements DoctorCheck {
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
        QemuConfig config = QemuConfig.from(context.settings());
        if (config.guestNetwork().equals(HostGuestNetwork.NAME)) {
            return CheckResult.warn(QemuSettings.GUEST_NETWORK.name() + "=host: guests reach the host's loopback "
                            + "services through 10.0.2.2 (the Deskpool API, other VMs' forwarded ports) and every "
                            + "internal address the host reaches",
                    "apt-get install slirp4netns iptables and set " + QemuSettings.GUEST_NETWORK.name() + "=isolated");
        }
        IsolatedGuestNetwork.Tools tools;
        try {
            tools = IsolatedGuestNetwork.Tools.find(config.slirp4netnsBinary());
        } catch (IllegalStateException e) {
            return CheckResult.fail(e.getMessage(), "scripts/install-deps.sh run (apt-get install slirp4netns iptables), or "
                    + QemuSettings.GUEST_NETWORK.name() + "=host for trusted guests only");
        }
        GuestFirewall firewall = IsolatedGuestNetwork.firewallForThisHost(config.allowedInternal());
        String trial = loadInThrowAwayNamespace(tools, firewall, context);
        if (!trial.isEmpty()) {
            return CheckResult.fail("the guest firewall does not load in a user network namespace: " + trial,
                    "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) and iptables "
                            + "(nf_tables) in the kernel, or " + QemuSettings.GUEST_NETWORK.name() + "=host");
        }
        return CheckResult.pass("each VM in its own network namespace through " + tools.slirp4netns()
                + "; the guest " + firewall.describe());
    }

    /** Empty when the rules load; else what went wrong. */
    private static String loadInThrowAwayNamespace(IsolatedGuestNetwork.Tools tools, GuestFirewall firewall,
                                                   CheckContext context) {
        try {
            Process p = new ProcessBuilder(tools.unshare().toString(), "--user", "--map-root-user", "--net", "--",
                    tools.iptablesRestore().toString(), "--noflush").redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) {
                String rules = firewall.iptablesRestore(List.of(GuestFirewall.Hook.output()), IsolatedGuestNetwork.REPLIES);
                in.write(rules.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(context.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return "no answer within " + context.timeout().toSeconds() + " s";
            }
            return p.exitValue() == 0 ? "" : "exit code " + p.exitValue() + (out.isEmpty() ? "" : ": " + out);
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
