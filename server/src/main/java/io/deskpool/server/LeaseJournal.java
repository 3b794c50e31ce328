package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deskpool.core.pool.CarriedLease;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.PoolEvent;
import io.deskpool.core.pool.PoolListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The leases handed to clients that drive their VMs directly (/v1 and the OSWorld API), one file each under
 * {@code STATE_DIR/leases}, so a server that is killed and started again gives each client back its VM under the
 * same lease instead of reverting it and handing it to someone else while the first client still uses it. A file is
 * written when the lease is granted and removed when it ends; env sessions do not survive a restart, so their
 * leases are not kept. A disk that takes no writes costs the carry-over of those leases, never the lease itself.
 *
 * <p>Writes and removals run one at a time, and a file is written only for a lease the pool still holds (the pool
 * drops a lease before it tells its listeners the lease ended). So a lease that ends while its file is being written,
 * or before its grant is recorded, leaves no file behind to be carried over to a client that is gone.
 */
final class LeaseJournal implements PoolListener {
    private static final Logger log = LoggerFactory.getLogger(LeaseJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUFFIX = ".json";

    private final Path dir;
    private final Predicate<String> held;
    private final Object files = new Object();
    private volatile boolean failing;
    /** Leases whose file could not be written, written again with the next write that works or the next event. */
    private final Map<String, Lease> unwritten = new ConcurrentHashMap<>();

    /** @param held whether the pool still holds the lease with this id */
    LeaseJournal(Path stateDir, Predicate<String> held) {
        this.dir = stateDir.resolve("leases");
        this.held = held;
    }

    /** Keeps a lease for the next start. */
    void record(Lease lease) {
        if (write(lease)) {
            retryUnwritten();
        }
    }

    /**
     * Writes the files of leases granted while the disk took no writes, so a server killed after the disk recovered
     * still gives them back to their clients (found by the chaos soak: such a VM was reverted on restart while its
     * client still drove it, and handed out again with that client's files in it).
     */
    private void retryUnwritten() {
        for (Lease pending : List.copyOf(unwritten.values())) {
            if (!write(pending)) {
                return;
            }
        }
    }

    private boolean write(Lease lease) {
        synchronized (files) {
            if (!held.test(lease.id())) {
                unwritten.remove(lease.id());
                return true;
            }
            return writeFile(lease);
        }
    }

    private boolean writeFile(Lease lease) {
        var m = new LinkedHashMap<String, Object>();
        m.put("lease_id", lease.id());
        m.put("vm_id", lease.vmId());
        m.put("token", lease.token());
        m.put("granted_at", lease.grantedAt().toString());
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(lease.id() + SUFFIX);
            StateDirectory.writeAtomically(file, JSON.writeValueAsString(m));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            unwritten.remove(lease.id());
            if (failing) {
                failing = false;
                log.info("Leases are kept in {} again", dir);
            }
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            unwritten.put(lease.id(), lease);
            if (!failing) {
                failing = true;
                log.warn("Cannot keep leases in {} ({}); they are written once it takes writes again, and a restart "
                        + "before that reverts their VMs", dir, e.getMessage());
            }
            return false;
        }
    }

    /** The leases the last run kept; unreadable files are skipped. */
    List<CarriedLease> load() {
        var out = new ArrayList<CarriedLease>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).toList()) {
                try {
                    JsonNode j = JSON.readTree(f.toFile());
                    out.add(new CarriedLease(j.path("lease_id").asText(), j.path("vm_id").asText(), j.path("token").asText(),
                            Instant.parse(j.path("granted_at").asText())));
                } catch (IOException | RuntimeException e) {
                    log.warn("Ignoring the unreadable lease file {}: {}", f, e.getMessage());
                }
            }
        } catch (IOException e) {
            log.warn("Cannot read the leases kept in {}: {}", dir, e.getMessage());
        }
        return out;
    }

    /** After the start: forgets the kept leases the pool did not carry over (their VMs are gone). */
    void retainOnly(Set<String> leaseIds) {
        for (CarriedLease c : load()) {
            if (!leaseIds.contains(c.leaseId())) {
                forget(c.leaseId());
            }
        }
    }

    @Override
    public void onEvent(PoolEvent event) {
        // A pool that closes keeps them: its VMs may be kept for the next start, or be gone (the leases are then lost).
        if (event instanceof PoolEvent.LeaseEnded ended
                && ended.reason() != io.deskpool.core.pool.LeaseEndReason.POOL_CLOSED) {
            unwritten.remove(ended.lease().id());
            forget(ended.lease().id());
        } else if (!unwritten.isEmpty()) {
            retryUnwritten();
        }
    }

    private void forget(String leaseId) {
        synchronized (files) {
            try {
                Files.deleteIfExists(dir.resolve(leaseId + SUFFIX));
            } catch (IOException e) {
                log.debug("Cannot remove the lease file of {}: {}", leaseId, e.getMessage());
            }
        }
    }
}
