package io.deskpool.core.settings;

import java.util.List;

/** The settings the engine itself reads. Providers and the server add their own. */
public final class CoreSettings {
    public static final Setting PROVIDER = Setting.of("PROVIDER", "qemu",
            "Backend that runs the VMs: qemu, docker, aws or vmware");
    public static final Setting STATE_DIR = Setting.of("STATE_DIR", "state",
            "Directory for state that survives restarts (server id, token limits, provider files)");
    public static final Setting SERVER_ID = Setting.of("SERVER_ID", "",
            "Owner id put on every VM; empty = generated once and kept in STATE_DIR/server-id");
    public static final Setting POOL_SIZE = Setting.of("POOL_SIZE", "2",
            "Most VMs the pool runs at once (M)");
    public static final Setting POOL_WARM = Setting.of("POOL_WARM", "1",
            "Spare VMs kept booted and ready for the next client");
    public static final Setting BOOT_CONCURRENCY = Setting.of("BOOT_CONCURRENCY", "2",
            "Most VMs booting at the same time (boots are the expensive step)");
    public static final Setting LEASE_TTL = Setting.of("LEASE_TTL", "1800",
            "Seconds a lease lives without a heartbeat before its VM is reclaimed");
    public static final Setting HEALTH_INTERVAL = Setting.of("HEALTH_INTERVAL", "30",
            "Seconds between health checks of every VM (idle and leased); a leased VM found dead loses its lease "
                    + "(clients get 410 vm_lost) and is replaced; 0 = no periodic checks");
    public static final Setting HEALTH_TIMEOUT = Setting.of("HEALTH_TIMEOUT", "5",
            "Seconds one health check may take, also the check of a warm VM before it is handed out; 0 = hand "
                    + "out warm VMs unchecked");
    public static final Setting POOL_IDLE_RETIRE = Setting.of("POOL_IDLE_RETIRE", "600",
            "Seconds a ready VM beyond POOL_WARM may stay idle before it is destroyed (the pool shrinks back after "
                    + "a burst); 0 = keep them");
    public static final Setting BREAKER_FAILURES = Setting.of("BREAKER_FAILURES", "5",
            "Failed boots or reverts in a row after which the circuit breaker opens: boots wait out a backoff "
                    + "(up to 30 s) and then run one at a time until one succeeds");
    public static final Setting VM_READY_TIMEOUT = Setting.of("VM_READY_TIMEOUT", "",
            "Seconds to wait for a VM to become ready; empty = the provider's default")
            .withAliases("DOCKER_VM_READY_TIMEOUT");
    public static final Setting RECONCILE = Setting.of("RECONCILE", "adopt",
            "What to do at start with VMs an earlier run left: adopt (revert and reuse) or destroy");
    public static final Setting SNAPSHOT_NAME = Setting.of("SNAPSHOT_NAME", "",
            "Snapshot a released VM reverts to; empty = the provider's default");
    public static final Setting PATH_TO_VM = Setting.of("PATH_TO_VM", "",
            "qcow2 disk image the docker and qemu providers boot (OSWorld's Ubuntu.qcow2)")
            .withAliases("path_to_vm");
    public static final Setting RAM_SIZE = Setting.of("RAM_SIZE", "",
            "Guest memory, e.g. 4G or 512M; empty = the provider's default");
    public static final Setting CPU_CORES = Setting.of("CPU_CORES", "",
            "Guest CPU cores; empty = the provider's default");
    public static final Setting DISK_SIZE = Setting.of("DISK_SIZE", "",
            "Guest data disk size, e.g. 32G; empty = the provider's default");
    public static final Setting SCREEN_SIZE = Setting.of("SCREEN_SIZE", "1920x1080",
            "Guest screen size WIDTHxHEIGHT");

    public static final Setting GUEST_NETWORK_ALLOW = Setting.of("GUEST_NETWORK_ALLOW", "",
            "Internal IPv4 addresses or CIDRs (comma separated) an isolated guest may reach anyway, e.g. a proxy; "
                    + "empty = none (guests reach the internet and nothing internal)");

    public static final List<Setting> ALL = List.of(PROVIDER, STATE_DIR, SERVER_ID, POOL_SIZE, POOL_WARM,
            BOOT_CONCURRENCY, LEASE_TTL, HEALTH_INTERVAL, HEALTH_TIMEOUT, POOL_IDLE_RETIRE, BREAKER_FAILURES,
            VM_READY_TIMEOUT, RECONCILE, SNAPSHOT_NAME, PATH_TO_VM, RAM_SIZE, CPU_CORES,
            DISK_SIZE, SCREEN_SIZE, GUEST_NETWORK_ALLOW, SettingsLoader.CONFIG_PATH);

    private CoreSettings() {
    }
}
