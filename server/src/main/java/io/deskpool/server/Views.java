package io.deskpool.server;

import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.VmView;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * JSON shapes of leases and VMs, as one caller may see them (other people's tokens redacted). The backend's own name
 * for a VM (a QEMU pid file's path on the host, a container or instance id) is shown to the admin token only, like
 * the providers' failure messages; OSWorld's {@code container_id} is the VM id for everyone else.
 */
final class Views {
    private final String publicHost;
    private final Clock clock;

    Views(String publicHost, Clock clock) {
        this.publicHost = publicHost;
        this.clock = clock;
    }

    /** The host a client should use: PUBLIC_HOST in place of loopback or wildcard addresses, when set. */
    String advertisedHost(VmEndpoints e) {
        String h = e.host();
        boolean local = h.equals("127.0.0.1") || h.equals("0.0.0.0") || h.equals("localhost") || h.equals("::1") || h.equals("::");
        return local && !publicHost.isBlank() ? publicHost : h;
    }

    Map<String, Object> endpoints(VmHandle vm) {
        var m = new LinkedHashMap<String, Object>();
        vm.endpoints().ifPresent(e -> {
            m.put("host", advertisedHost(e));
            m.put("server_port", e.serverPort());
            m.put("chromium_port", e.cdpPort());
            m.put("vnc_port", e.vncPort());
            m.put("vlc_port", e.vlcPort());
        });
        return m;
    }

    Map<String, Object> lease(Lease lease, Caller caller) {
        var m = new LinkedHashMap<String, Object>();
        m.put("lease_id", lease.id());
        m.put("state", "active");
        m.put("vm_id", lease.vmId());
        m.put("token", caller.show(lease.token()));
        m.put("granted_at", lease.grantedAt().toString());
        m.put("expires_at", lease.expiresAt().toString());
        m.put("endpoints", endpoints(lease.vm()));
        return m;
    }

    /** The OSWorld docker_server's emulator record: the emulator is the lease. */
    Map<String, Object> emulator(Lease lease, Caller caller) {
        var m = new LinkedHashMap<String, Object>();
        Optional<VmEndpoints> e = lease.vm().endpoints();
        m.put("emulator_id", lease.id());
        m.put("token", caller.show(lease.token()));
        m.put("vnc_port", e.map(VmEndpoints::vncPort).orElse(0));
        m.put("chromium_port", e.map(VmEndpoints::cdpPort).orElse(0));
        m.put("vlc_port", e.map(VmEndpoints::vlcPort).orElse(0));
        m.put("server_port", e.map(VmEndpoints::serverPort).orElse(0));
        m.put("host", e.map(this::advertisedHost).orElse(""));
        m.put("start_time", lease.grantedAt().getEpochSecond());
        m.put("duration_minutes", Math.round(Duration.between(lease.grantedAt(), clock.instant()).toSeconds() / 6.0) / 10.0);
        m.put("container_id", caller.admin() ? lease.vm().backendId() : lease.vmId());
        m.put("vm_id", lease.vmId());
        return m;
    }

    Map<String, Object> vm(VmView vm, Caller caller) {
        var m = new LinkedHashMap<String, Object>();
        Instant now = clock.instant();
        m.put("vm_id", vm.id());
        m.put("state", vm.state().name().toLowerCase());
        m.put("created_at", vm.createdAt().toString());
        m.put("age_seconds", Math.max(0, Duration.between(vm.createdAt(), now).toSeconds()));
        m.put("state_since", vm.stateSince().toString());
        m.put("reverts", vm.reverts());
        if (caller.admin()) {
            m.put("backend_id", vm.handle().map(VmHandle::backendId).orElse(""));
        }
        m.put("endpoints", vm.handle().map(this::endpoints).orElse(Map.of()));
        vm.lease().ifPresent(l -> {
            m.put("lease_id", caller.mayActOn(l.token()) ? l.id() : "");
            m.put("token", caller.show(l.token()));
            m.put("lease_expires_at", l.expiresAt().toString());
        });
        if (!vm.lastError().isEmpty()) {
            m.put("last_error", vm.lastError());
        }
        return m;
    }
}
