package io.deskpool.core.pool;

import java.util.List;
import java.util.Map;

/** A consistent snapshot of the pool's counters; {@code lostLeases} counts leases lost since the start. */
public record PoolStatus(
        int poolSize,
        int warmTarget,
        int total,
        Map<VmState, Integer> byState,
        int leases,
        int waiting,
        List<TokenUsage> tokens,
        int consecutiveBootFailures,
        String lastBootFailure,
        BreakerStatus breaker,
        List<FailedDestroy> failedDestroys,
        int lostLeases) {

    public PoolStatus {
        byState = Map.copyOf(byState);
        tokens = List.copyOf(tokens);
        failedDestroys = List.copyOf(failedDestroys);
    }

    public int count(VmState state) {
        return byState.getOrDefault(state, 0);
    }
}
