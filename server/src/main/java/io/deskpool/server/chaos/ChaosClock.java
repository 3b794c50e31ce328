package io.deskpool.server.chaos;

import java.time.Duration;

/** When the chaos run's load ends, shared by its threads; sleeps that end early when it does. */
final class ChaosClock {
    private final long endNanos;
    private volatile boolean stopped;

    ChaosClock(Duration length) {
        this.endNanos = System.nanoTime() + length.toNanos();
    }

    boolean running() {
        return !stopped && System.nanoTime() < endNanos;
    }

    long nanosLeft() {
        return endNanos - System.nanoTime();
    }

    void stop() {
        stopped = true;
    }

    /** Sleeps up to {@code d}, less if the run ends; false when interrupted. */
    boolean pause(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        try {
            while (running() && System.nanoTime() < until) {
                Thread.sleep(Math.max(1, Math.min(200, (until - System.nanoTime()) / 1_000_000)));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
