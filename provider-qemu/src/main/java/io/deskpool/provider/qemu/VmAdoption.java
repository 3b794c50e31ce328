package io.deskpool.provider.qemu;

import io.deskpool.core.spi.VmHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * What a (re)started provider finds in its state directory: its own VMs whose QEMU still runs (adopted, their
 * network helper started again when it is gone), the leftovers of its VMs whose QEMU is gone (removed), and the
 * running VMs of other owners (reported, never touched).
 */
final class VmAdoption {
    private static final Logger log = LoggerFactory.getLogger(VmAdoption.class);

    private final Map<String, QemuVm> vms;
    private final StateDirectory state;
    private final GuestNetworks networks;
    private final String ownerId;
    private final BiFunction<VmDirectory, VmRecord, VmHandle> handles;
    private final Consumer<QemuVm> adopted;

    /** @param adopted told of each VM of an earlier run taken over (the exit watch) */
    VmAdoption(Map<String, QemuVm> vms, StateDirectory state, GuestNetworks networks, String ownerId,
               BiFunction<VmDirectory, VmRecord, VmHandle> handles, Consumer<QemuVm> adopted) {
        this.vms = requireNonNull(vms, "vms is null");
        this.state = requireNonNull(state, "state is null");
        this.networks = requireNonNull(networks, "networks is null");
        this.ownerId = requireNonNull(ownerId, "ownerId is null");
        this.handles = requireNonNull(handles, "handles is null");
        this.adopted = requireNonNull(adopted, "adopted is null");
    }

    /** Our VMs: the ones this provider knows, and the running ones of an earlier run (adopted from now on). */
    List<VmHandle> owned() {
        Function<QemuVm, VmHandle> handle = vm -> handles.apply(vm.dir, vm.record());
        var owned = new ArrayList<VmHandle>();
        for (VmDirectory dir : state.list()) {
            QemuVm known = vms.get(dir.vmId());
            if (known != null) {
                if (known.record() != null) {
                    owned.add(handle.apply(known));
                }
                continue;
            }
            Optional<VmRecord> record = StateDirectory.readRecord(dir);
            if (record.isPresent() && !ownerId.equals(record.get().owner())) {
                continue;
            }
            Optional<QemuProcess> process = record.flatMap(r -> QemuProcess.find(r.pid(), dir));
            if (record.isEmpty() || process.isEmpty() || !networks.reattach(dir, record.get(), process.get().pid())) {
                // The helper goes first: removing the leftovers deletes its pid file.
                networks.detachQuietly(dir, record.orElse(null));
                StateDirectory.removeLeftovers(dir, QemuProvider.STOP_GRACE);
                continue;
            }
            QemuVm found = new QemuVm(dir, process.get(), record.get());
            if (vms.putIfAbsent(dir.vmId(), found) == null) {
                adopted.accept(found);
                log.info("Found VM {} from an earlier run (QEMU pid {}, snapshot '{}')", dir.vmId(),
                        process.get().pid(), record.get().snapshot());
                owned.add(handle.apply(found));
            }
        }
        return owned;
    }

    /** Running VMs of other owners in the same state directory. */
    List<VmHandle> foreign() {
        var foreign = new ArrayList<VmHandle>();
        for (VmDirectory dir : state.list()) {
            StateDirectory.readRecord(dir)
                    .filter(r -> !ownerId.equals(r.owner()))
                    .filter(r -> QemuProcess.find(r.pid(), dir).isPresent())
                    .ifPresent(r -> foreign.add(handles.apply(dir, r)));
        }
        return foreign;
    }
}
