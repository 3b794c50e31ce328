package io.deskpool.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's and /status's CPU and memory figures: real readings, not the -1 of "cannot tell". */
class HostStatsTest {
    @Test
    void the_first_reading_is_a_real_memory_percentage() {
        assertThat(new HostStats().memoryPercent()).isBetween(0.0, 100.0);
    }

    @Test
    void the_cpu_load_becomes_a_real_percentage() throws Exception {
        HostStats stats = new HostStats();
        // The JVM's first CPU load sample may be unknown (it needs two samples); a later reading is not.
        double cpu = stats.cpuPercent();
        for (int i = 0; i < 30 && cpu < 0; i++) {
            Thread.sleep(100);
            cpu = stats.cpuPercent();
        }
        assertThat(cpu).isBetween(0.0, 100.0);
    }
}
