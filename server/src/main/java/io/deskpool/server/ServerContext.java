package io.deskpool.server;

import io.deskpool.core.pool.VmPool;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** What the HTTP handlers share. */
record ServerContext(
        VmPool pool,
        Authenticator auth,
        TokenRegistry tokens,
        Views views,
        RequestLog requestLog,
        HostStats hostStats,
        Clock clock,
        Instant startedAt,
        String serverId,
        Duration startWait,
        Duration maxAcquireWait,
        LeaseJournal leaseJournal) {
}
