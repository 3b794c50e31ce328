package io.deskpool.provider.qemu;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** CPU and memory readings from the real /proc, on this test JVM's own process. */
class CpuMeterTest {
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void the_first_reading_is_the_average_since_the_process_started() {
        // This JVM has compiled and run tests: it used CPU, so the average since its start is above zero.
        assertThat(new CpuMeter(SELF).percent()).isPositive();
    }

    @Test
    void a_later_reading_covers_only_the_interval_since_the_previous_one() throws InterruptedException {
        CpuMeter meter = new CpuMeter(SELF);
        meter.percent();
        long until = System.nanoTime() + 300_000_000L;
        long spin = 0;
        while (System.nanoTime() < until) {
            spin++;
        }
        double busy = meter.percent();
        Thread.sleep(300);
        double idle = meter.percent();

        assertThat(spin).isPositive();
        assertThat(busy).as("a thread spinning the whole interval").isGreaterThan(idle);
        assertThat(busy).isPositive();
    }

    @Test
    void a_process_that_is_gone_reads_as_unknown() {
        assertThat(new CpuMeter(Long.MAX_VALUE).percent()).isEqualTo(-1);
    }

    @Test
    void host_memory_is_the_total_and_holds_this_process() {
        assertThat(ProcStatus.hostMemoryBytes()).isGreaterThan(ProcStatus.residentBytes(SELF)).isPositive();
    }
}
