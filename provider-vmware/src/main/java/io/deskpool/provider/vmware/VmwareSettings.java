package io.deskpool.provider.vmware;

import io.deskpool.core.settings.Setting;

import java.util.List;

/** The settings the VMware provider reads, besides the core ones (VM_READY_TIMEOUT, SCREEN_SIZE, PATH_TO_VM). */
public final class VmwareSettings {
    public static final Setting VMRUN_PATH = Setting.of("VMRUN_PATH", "",
            "Path of the vmrun executable; empty = search PATH (and VMware's install folder on macOS and Windows)");
    public static final Setting VMX_DIR = Setting.of("VMWARE_VMX_DIR", "",
            "Folder searched (three levels deep) for the .vmx files of the pool; the VMs must already exist");
    public static final Setting VMX_PATHS = Setting.of("VMWARE_VMX_PATHS", "",
            "Comma-separated .vmx paths of the pool, instead of or next to VMWARE_VMX_DIR; with neither set, a"
                    + " PATH_TO_VM ending in .vmx is a pool of one");
    public static final Setting SNAPSHOT = Setting.of("VMWARE_SNAPSHOT", "init_state",
            "Snapshot a launch starts from and revert goes back to; taken after the first readiness when a VM lacks it");
    public static final Setting HEADLESS = Setting.of("VMWARE_HEADLESS", "true",
            "Start VMs without a window (vmrun start ... nogui); false opens the VMware window (gui)");
    public static final Setting VMRUN_TIMEOUT = Setting.of("VMRUN_TIMEOUT", "180",
            "Seconds one vmrun call may take before it is killed as hung (getGuestIPAddress -wait is bounded by"
                    + " the readiness timeout instead)");
    public static final Setting GUEST_PORTS = Setting.of("VMWARE_GUEST_PORTS", "5000,9222,5910,8080",
            "Guest ports of the in-VM server, Chrome DevTools, noVNC (5910 in OSWorld's VM images, websocket at"
                    + " /websockify) and VLC, reached on the guest IP; 0 = not exposed (the first must not be 0)");

    public static final List<Setting> ALL = List.of(VMRUN_PATH, VMX_DIR, VMX_PATHS, SNAPSHOT, HEADLESS, VMRUN_TIMEOUT,
            GUEST_PORTS);

    private VmwareSettings() {
    }
}
