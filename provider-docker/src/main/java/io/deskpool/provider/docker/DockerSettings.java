package io.deskpool.provider.docker;

import io.deskpool.core.settings.Setting;

import java.util.List;

/**
 * The settings the docker provider reads besides the core ones (PATH_TO_VM, RAM_SIZE, CPU_CORES, DISK_SIZE,
 * SCREEN_SIZE, VM_READY_TIMEOUT), with defaults and meanings; {@code .env.example} is generated from them.
 */
public final class DockerSettings {
    public static final Setting DOCKER_HOST = Setting.of("DOCKER_HOST", "",
            "Docker engine address (unix:///var/run/docker.sock, tcp://host:2375); empty = docker-java's default: "
                    + "the DOCKER_HOST environment variable, else the local unix socket");
    public static final Setting DOCKER_IMAGE = Setting.of("DOCKER_IMAGE", "happysixd/osworld-docker",
            "Image every VM container runs (QEMU inside; OSWorld's image, or deskpool/test-desktop:latest); "
                    + "pulled with progress when missing");
    public static final Setting BIND_ADDRESS = Setting.of("DOCKER_BIND_ADDRESS", "127.0.0.1",
            "Host address the containers' ports 5000, 9222, 8006 and 8080 are published on (host ports are "
                    + "picked by Docker); 0.0.0.0 publishes on every interface");
    public static final Setting ENDPOINT_HOST = Setting.of("DOCKER_ENDPOINT_HOST", "",
            "Host name the provider reaches published ports at; empty = DOCKER_BIND_ADDRESS, or 127.0.0.1 when "
                    + "that is a wildcard address");
    public static final Setting FAST_REVERT = Setting.of("DOCKER_FAST_REVERT", "true",
            "Revert by restoring a QEMU snapshot inside the container (QMP socket in a bind-mounted folder plus "
                    + "-snapshot in ARGUMENTS); false = always recreate the container (a full boot)");
    public static final Setting KVM = Setting.of("DOCKER_KVM", "auto",
            "Hardware acceleration: auto (pass /dev/kvm only when a probe VM really runs under KVM), on "
                    + "(always pass /dev/kvm) or off (KVM=N, software emulation)");
    public static final Setting KVM_CPU_FLAGS = Setting.of("DOCKER_KVM_CPU_FLAGS", "-invtsc",
            "CPU_FLAGS given to the image under KVM; -invtsc drops the invariant-TSC flag that blocks QEMU "
                    + "snapshots (untested on a KVM host); empty = the image's own flags");
    public static final Setting QEMU_ARGUMENTS = Setting.of("DOCKER_QEMU_ARGUMENTS", "",
            "Extra QEMU arguments appended to the image's ARGUMENTS (after the provider's own)");
    public static final Setting CLOCK_SYNC = Setting.of("DOCKER_CLOCK_SYNC",
            "date -u -s @{epoch} >/dev/null 2>&1 || echo password | sudo -S -p '' date -u -s @{epoch} >/dev/null",
            "Shell command run in the guest (POST /execute) after a snapshot restore to set its clock; {epoch} is "
                    + "the host's time in seconds; empty = leave the guest clock as the snapshot had it");
    public static final Setting PULL_TIMEOUT = Setting.of("DOCKER_PULL_TIMEOUT", "3600",
            "Seconds a missing image may take to pull");
    public static final Setting STOP_TIMEOUT = Setting.of("DOCKER_STOP_TIMEOUT", "10",
            "Seconds a container gets to stop before it is killed, on destroy");
    public static final Setting CONNECT_TIMEOUT = Setting.of("DOCKER_CONNECT_TIMEOUT", "5",
            "Seconds to wait for a connection to the Docker engine before reporting it unreachable");
    public static final Setting RESPONSE_TIMEOUT = Setting.of("DOCKER_RESPONSE_TIMEOUT", "120",
            "Seconds the Docker engine may take to answer one request");

    public static final Setting GUEST_NETWORK = Setting.of("DOCKER_GUEST_NETWORK", "isolated",
            "isolated = a firewall in each VM container's network namespace (set from this host with nsenter, "
                    + "needs root and the engine on this host): the guest reaches the internet, not the host, other "
                    + "containers or internal addresses; open = the image's own networking, which reaches all of them");

    public static final List<Setting> ALL = List.of(DOCKER_HOST, DOCKER_IMAGE, BIND_ADDRESS, ENDPOINT_HOST,
            FAST_REVERT, KVM, KVM_CPU_FLAGS, QEMU_ARGUMENTS, CLOCK_SYNC, PULL_TIMEOUT, STOP_TIMEOUT, CONNECT_TIMEOUT,
            RESPONSE_TIMEOUT, GUEST_NETWORK);

    /** Defaults for the core settings this provider reads, as OSWorld's docker provider sets them. */
    static final String DEFAULT_RAM = "4G";
    static final String DEFAULT_CPUS = "4";
    static final String DEFAULT_DISK = "32G";

    private DockerSettings() {
    }
}
