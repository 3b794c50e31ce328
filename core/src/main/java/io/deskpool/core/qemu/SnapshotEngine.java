package io.deskpool.core.qemu;

import io.deskpool.core.guest.GuestClock;
import io.deskpool.core.probe.ReadinessProbe;
import io.deskpool.core.probe.ReadinessWaiter;
import io.deskpool.core.spi.VmEndpoints;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The one implementation of QEMU state handling, shared by every provider that runs QEMU (on the host, or in a
 * container through a bind-mounted QMP socket): internal snapshots (save, list, load in place), and saving a
 * running VM's state to a file that new QEMU processes start from (fork). Whatever replaces a guest's state is
 * followed by the same settling steps: connections into the guest from before are ended (the provider's
 * {@link StaleConnections}), the CPUs continue, the guest clock is set (it would otherwise stand at the time the
 * state was saved), and the readiness probes must pass again on fresh connections.
 */
public final class SnapshotEngine {
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    /** Saving to a file is limited by disk and CPU only, never by QEMU's migration bandwidth cap (128 MiB/s). */
    private static final long UNLIMITED_BANDWIDTH = 1L << 40;
    /** SLIRP socket states that carry no traffic: port-forward listeners and finished connections. */
    private static final Set<String> QUIET_STATES = Set.of("HOST_FORWARD", "TIME_WAIT", "CLOSED");

    private final GuestClock guestClock;
    private final ReadinessProbe probe;
    private final Duration stateTimeout;
    /** After a load the guest answers within tens of milliseconds: poll tightly. */
    private final ReadinessWaiter waiter = new ReadinessWaiter(Duration.ofMillis(20), Duration.ofSeconds(5));

    /**
     * @param stateTimeout how long saving or loading a whole VM state may take (multi-gigabyte guests take many
     *                     seconds under software emulation)
     */
    public SnapshotEngine(GuestClock guestClock, ReadinessProbe probe, Duration stateTimeout) {
        this.guestClock = requireNonNull(guestClock, "guestClock is null");
        this.probe = requireNonNull(probe, "probe is null");
        this.stateTimeout = requireNonNull(stateTimeout, "stateTimeout is null");
    }

    /**
     * The guest whose state an operation replaced: where it answers, what ends its stale connections, and why it
     * can no longer answer (its process died), if it cannot.
     */
    public record Guest(String vmId, VmEndpoints endpoints, StaleConnections connections,
                        Supplier<Optional<String>> deathCheck) {
        public Guest {
            requireNonNull(vmId, "vmId is null");
            requireNonNull(endpoints, "endpoints is null");
            requireNonNull(connections, "connections is null");
            requireNonNull(deathCheck, "deathCheck is null");
        }
    }

    /** What saving a VM's state for its copies cost: how long the VM stood still, and the file's size. */
    public record Capture(Duration downtime, long stateBytes) {
        public Capture {
            requireNonNull(downtime, "downtime is null");
        }
    }

    /**
     * Saving a VM's state for its copies failed; {@link #diskHandedOff()} says whether the VM had already moved
     * onto its new disk (the {@link DiskHandoff} ran), which it keeps.
     */
    public static final class CaptureException extends IOException {
        private final boolean diskHandedOff;

        CaptureException(String message, boolean diskHandedOff, Throwable cause) {
            super(message, cause);
            this.diskHandedOff = diskHandedOff;
        }

        public boolean diskHandedOff() {
            return diskHandedOff;
        }
    }

    /**
     * Saves an internal snapshot ({@code savevm}) once no connection into the guest is in flight; returns false
     * when connections stayed open and it was saved anyway. A snapshot taken while the guest was still answering
     * would restore a guest process blocked on a connection that no longer exists.
     */
    public boolean save(QmpClient qmp, String name) throws QmpClient.QmpException {
        boolean quiet = awaitQuietNetwork(qmp, Duration.ofSeconds(10));
        String answer = qmp.humanMonitorCommand("savevm " + name, stateTimeout);
        if (!answer.isBlank()) {
            throw new QmpClient.QmpException("savevm said: " + answer.strip());
        }
        return quiet;
    }

    /** Saves an internal snapshot of a VM whose CPUs are stopped (nothing in flight can change), at once. */
    public void saveStopped(QmpClient qmp, String name) throws QmpClient.QmpException {
        String answer = qmp.humanMonitorCommand("savevm " + name, stateTimeout);
        if (!answer.isBlank()) {
            throw new QmpClient.QmpException("savevm said: " + answer.strip());
        }
    }

    /** The internal snapshots QEMU holds ({@code info snapshots}, the tag column). */
    public Set<String> list(QmpClient qmp) throws QmpClient.QmpException {
        var tags = new LinkedHashSet<String>();
        for (String line : qmp.humanMonitorCommand("info snapshots", QMP_TIMEOUT).split("\\R")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 2 && (cols[0].equals("--") || cols[0].matches("\\d+"))) {
                tags.add(cols[1]);
            }
        }
        return tags;
    }

    /**
     * Loads an internal snapshot in place and settles the guest (see the class comment). Returns how long each
     * step took, for the log.
     */
    public String restore(QmpClient qmp, String name, Guest guest, Duration timeout) throws IOException {
        long t0 = System.nanoTime();
        // The CPUs stay stopped from before the load until the stale connections are gone.
        qmp.execute("stop", Map.of(), QMP_TIMEOUT);
        try {
            String answer = qmp.humanMonitorCommand("loadvm " + name, stateTimeout);
            if (!answer.isBlank()) {
                throw new QmpClient.QmpException("loadvm said: " + answer.strip());
            }
            guest.connections().end(qmp, QMP_TIMEOUT);
        } finally {
            qmp.execute("cont", Map.of(), QMP_TIMEOUT);
        }
        return "loadvm " + millisSince(t0) + " ms, " + settle(guest, System.nanoTime() + timeout.toNanos());
    }

    /**
     * Saves a running VM's whole state into {@code file} for copies to start from, and lets the VM continue: its
     * CPUs stop, the disk is handed off ({@link DiskHandoff#beforeSave}, e.g. the top overlay frozen), the state is
     * written, the CPUs continue and its clock is set again (it lags by the time it stood still). The VM's own
     * connections survive: its process and network are untouched. On failure the VM continues as it was (on its
     * new overlay if the handoff had happened, see {@link CaptureException}) and the file may be incomplete.
     */
    public Capture capture(QmpClient qmp, DiskHandoff disk, StateFile file, Guest vm) throws CaptureException {
        return capture(qmp, disk, MemoryHandoff.STREAMED, file, vm);
    }

    /**
     * {@link #capture(QmpClient, DiskHandoff, StateFile, Guest)} with the memory handed off as {@code memory} says;
     * its {@link MemoryHandoff#afterSave} runs before the CPUs continue.
     */
    public Capture capture(QmpClient qmp, DiskHandoff disk, MemoryHandoff memory, StateFile file, Guest vm)
            throws CaptureException {
        var capabilities = new HashMap<String, Boolean>(disk.saveCapabilities());
        capabilities.putAll(memory.capabilities());
        boolean handedOff = false;
        try {
            // Copies start with the connections open at this moment gone; a guest process caught writing to one
            // would hang there, so give short requests a moment to finish. A long-lived one (a websocket) stays.
            awaitQuietNetwork(qmp, Duration.ofSeconds(1));
            long t0 = System.nanoTime();
            qmp.execute("stop", Map.of(), QMP_TIMEOUT);
            disk.beforeSave(qmp, QMP_TIMEOUT);
            handedOff = true;
            setCapabilities(qmp, capabilities, true);
            var parameters = new HashMap<String, Object>(disk.saveParameters());
            parameters.put("max-bandwidth", UNLIMITED_BANDWIDTH);
            qmp.execute("migrate-set-parameters", parameters, QMP_TIMEOUT);
            qmp.execute("migrate", Map.of("uri", file.saveUri()), QMP_TIMEOUT);
            awaitOutgoing(qmp, System.nanoTime() + stateTimeout.toNanos());
            memory.afterSave();
            try {
                setCapabilities(qmp, capabilities, false);
            } finally {
                qmp.execute("cont", Map.of(), QMP_TIMEOUT);
            }
            Duration downtime = Duration.ofNanos(System.nanoTime() - t0);
            guestClock.set(vm.endpoints(), System.nanoTime() + stateTimeout.toNanos(), vm.deathCheck());
            return new Capture(downtime, java.nio.file.Files.size(file.hostPath()));
        } catch (IOException | RuntimeException e) {
            cancelQuietly(qmp);
            contQuietly(qmp, capabilities);
            throw new CaptureException(e.getMessage(), handedOff, e);
        }
    }

    /**
     * Loads {@code file} into a QEMU started with {@code -incoming defer} (its disk already in place) and settles
     * the guest. Returns how long each step took, for the log.
     */
    public String resume(QmpClient qmp, StateFile file, Guest guest, Duration timeout) throws IOException {
        return resume(qmp, file, MemoryHandoff.STREAMED, guest, timeout);
    }

    /** {@link #resume(QmpClient, StateFile, Guest, Duration)} of a state saved with {@code memory}'s handoff. */
    public String resume(QmpClient qmp, StateFile file, MemoryHandoff memory, Guest guest, Duration timeout)
            throws IOException {
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        setCapabilities(qmp, memory.capabilities(), true);
        qmp.execute("migrate-incoming", Map.of("uri", file.loadUri()), QMP_TIMEOUT);
        awaitIncoming(qmp, guest, deadline);
        // The state was saved with the CPUs stopped, so QEMU keeps them stopped after the load.
        try {
            guest.connections().end(qmp, QMP_TIMEOUT);
        } finally {
            qmp.execute("cont", Map.of(), QMP_TIMEOUT);
        }
        return "load " + millisSince(t0) + " ms, " + settle(guest, deadline);
    }

    /** Sets the clock before the probes, so that nothing sees the old time once the VM counts as ready. */
    private String settle(Guest guest, long deadline) throws IOException {
        long t1 = System.nanoTime();
        guestClock.set(guest.endpoints(), deadline, guest.deathCheck());
        long t2 = System.nanoTime();
        waiter.await(guest.vmId(), probe, guest.endpoints(), Duration.ofNanos(Math.max(0, deadline - t2)),
                guest.deathCheck());
        return "clock " + (t2 - t1) / 1_000_000 + " ms, ready " + millisSince(t2) + " ms";
    }

    /**
     * Waits until no TCP connection into the guest is open in QEMU's user networking, at most {@code max}; returns
     * whether it got there. Guests without user networking have nothing to wait for.
     */
    public static boolean awaitQuietNetwork(QmpClient qmp, Duration max) throws QmpClient.QmpException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            String table = qmp.humanMonitorCommand("info usernet", max);
            boolean busy = table.lines()
                    .map(String::strip)
                    .filter(l -> l.startsWith("TCP["))
                    .map(l -> l.substring(4, Math.max(4, l.indexOf(']'))))
                    .anyMatch(state -> !QUIET_STATES.contains(state));
            if (!busy) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            pause(20);
        }
    }

    private static void setCapabilities(QmpClient qmp, Map<String, Boolean> capabilities, boolean on)
            throws QmpClient.QmpException {
        if (capabilities.isEmpty()) {
            return;
        }
        List<Map<String, Object>> list = capabilities.entrySet().stream()
                .map(c -> Map.<String, Object>of("capability", c.getKey(), "state", on && c.getValue()))
                .toList();
        qmp.execute("migrate-set-capabilities", Map.of("capabilities", list), QMP_TIMEOUT);
    }

    private static void awaitOutgoing(QmpClient qmp, long deadline) throws QmpClient.QmpException {
        while (true) {
            var status = qmp.execute("query-migrate", Map.of(), QMP_TIMEOUT);
            String state = status.path("status").asText("");
            switch (state) {
                case "completed" -> {
                    return;
                }
                case "failed", "cancelled" -> throw new QmpClient.QmpException("saving the VM state " + state
                        + (status.has("error-desc") ? ": " + status.get("error-desc").asText() : ""));
                default -> {
                    if (System.nanoTime() >= deadline) {
                        throw new QmpClient.QmpException("saving the VM state did not finish in time (" + state + ")");
                    }
                    pause(5);
                }
            }
        }
    }

    /** QEMU exits when an incoming state cannot be loaded, so a dead process or a closed socket ends the wait. */
    private static void awaitIncoming(QmpClient qmp, Guest guest, long deadline) throws IOException {
        while (true) {
            String state = qmp.execute("query-status", Map.of(), QMP_TIMEOUT).path("status").asText("");
            if (!state.equals("inmigrate")) {
                var migration = qmp.execute("query-migrate", Map.of(), QMP_TIMEOUT);
                String outcome = migration.path("status").asText("");
                if (outcome.equals("failed")) {
                    throw new IOException("loading the VM state failed"
                            + (migration.has("error-desc") ? ": " + migration.get("error-desc").asText() : ""));
                }
                return;
            }
            Optional<String> death = guest.deathCheck().get();
            if (death.isPresent()) {
                throw new IOException("QEMU stopped while loading the VM state: " + death.get());
            }
            if (System.nanoTime() >= deadline) {
                throw new IOException("loading the VM state did not finish in time");
            }
            pause(5);
        }
    }

    /** After a failure the VM must run on whatever happened: capabilities off, CPUs on. */
    private static void contQuietly(QmpClient qmp, Map<String, Boolean> capabilities) {
        try {
            setCapabilities(qmp, capabilities, false);
        } catch (QmpClient.QmpException ignored) {
            // the connection is gone; the caller reports the original failure
        }
        try {
            qmp.execute("cont", Map.of(), QMP_TIMEOUT);
        } catch (QmpClient.QmpException ignored) {
            // likewise
        }
    }

    private static void cancelQuietly(QmpClient qmp) {
        try {
            qmp.execute("migrate_cancel", Map.of(), QMP_TIMEOUT);
        } catch (QmpClient.QmpException ignored) {
            // nothing was running, or the connection is gone; the caller reports the original failure
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static void pause(long millis) throws QmpClient.QmpException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpClient.QmpException("interrupted", e);
        }
    }
}
