package io.deskpool.server;

import io.deskpool.core.pool.BreakerStatus;
import io.deskpool.core.pool.PoolEvent;
import io.deskpool.core.pool.PoolListener;
import io.deskpool.core.pool.VmPool;
import io.deskpool.core.pool.VmState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.Locale;

/**
 * Prometheus metrics of the pool, fed by its events: leases, VMs by state, boot and revert latency histograms,
 * quota rejections, acquire timeouts, VMs lost, the boot circuit breaker and failing destroys. Token labels are redacted.
 */
final class PoolMetrics implements PoolListener {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter leasesGranted;
    private final Counter acquireTimeouts;
    private final Timer boots;
    private final Timer bootFailures;
    private final Timer reverts;
    private final Timer revertFailures;
    private final Timer leaseWait;
    private final TokenRedactor labels;

    PoolMetrics(VmPool pool, TokenRedactor labels) {
        this.labels = labels;
        for (VmState state : VmState.values()) {
            Gauge.builder("deskpool_vms", pool, p -> p.status().count(state))
                    .description("VMs in the pool by state").tag("state", state.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        Gauge.builder("deskpool_leases_active", pool, p -> p.status().leases()).description("Leases held now").register(registry);
        Gauge.builder("deskpool_acquires_waiting", pool, p -> p.status().waiting()).description("Clients waiting for a VM").register(registry);
        Gauge.builder("deskpool_pool_size", pool, p -> p.config().poolSize()).description("Most VMs the pool runs (POOL_SIZE)").register(registry);
        Gauge.builder("deskpool_boot_breaker_open", pool, p -> p.status().breaker().state() == BreakerStatus.State.CLOSED ? 0 : 1)
                .description("1 while the boot circuit breaker is open or half open").register(registry);
        Gauge.builder("deskpool_destroys_failing", pool, p -> p.status().failedDestroys().size())
                .description("VMs whose destroy failed and is being retried").register(registry);
        leasesGranted = Counter.builder("deskpool_leases_granted").description("Leases handed out").register(registry);
        acquireTimeouts = Counter.builder("deskpool_acquire_timeouts").description("Acquires that found no VM in time").register(registry);
        boots = latency("deskpool_boot_seconds", "Cold boot to ready", "succeeded");
        bootFailures = latency("deskpool_boot_seconds", "Cold boot to ready", "failed");
        reverts = latency("deskpool_revert_seconds", "Revert to clean and ready", "succeeded");
        revertFailures = latency("deskpool_revert_seconds", "Revert to clean and ready", "failed");
        leaseWait = Timer.builder("deskpool_lease_wait_seconds").description("How long clients waited for a lease")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(30))
                .register(registry);
    }

    private Timer latency(String name, String description, String outcome) {
        return Timer.builder(name).description(description).tag("outcome", outcome)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofHours(2))
                .register(registry);
    }

    @Override
    public void onEvent(PoolEvent event) {
        if (event instanceof PoolEvent.LeaseGranted g) {
            leasesGranted.increment();
            leaseWait.record(g.waited());
        } else if (event instanceof PoolEvent.QuotaRejected q) {
            Counter.builder("deskpool_quota_rejections")
                    .description("Acquires refused because the token was at its limit")
                    .tag("token", labels.redact(q.token())).register(registry).increment();
        } else if (event instanceof PoolEvent.VmLost l) {
            Counter.builder("deskpool_vms_lost").description("VMs that died (process ended or failed health checks)")
                    .tag("while", l.leaseId().isEmpty() ? "idle" : "leased").register(registry).increment();
        } else if (event instanceof PoolEvent.AcquireTimedOut) {
            acquireTimeouts.increment();
        } else if (event instanceof PoolEvent.BootFinished b) {
            (b.succeeded() ? boots : bootFailures).record(b.took());
        } else if (event instanceof PoolEvent.RevertFinished r) {
            (r.succeeded() ? reverts : revertFailures).record(r.took());
        }
        // VM state changes are read from the pool by the gauges.
    }

    String scrape() {
        return registry.scrape();
    }
}
