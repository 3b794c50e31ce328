package io.deskpool.provider.docker;

import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cleaning up after the KVM probe on the real engine, whatever happened to the probe's own thread. */
class KvmProbeTest {
    private final DockerEngine engine = DockerEngine.forCheck(TestDesktop.settings(Map.of()), Duration.ofSeconds(30));

    @AfterEach
    void close() throws Exception {
        engine.close();
    }

    /**
     * A container as the probe creates it (not started), as one left when its creator lost the id; started, it ends
     * at once, as a probe's QEMU does.
     */
    private String probeContainer() {
        String name = KvmProbe.NAME_PREFIX + UUID.randomUUID().toString().substring(0, 12);
        TestDesktop.docker().createContainerCmd(TestDesktop.image()).withName(name).withEntrypoint("true")
                .withLabels(Map.of(KvmProbe.PROBE_LABEL, "true")).exec();
        return name;
    }

    @Test
    void a_probe_container_is_removed_by_its_name() {
        String name = probeContainer();

        KvmProbe.remove(engine, name);

        assertThatThrownBy(() -> TestDesktop.docker().inspectContainerCmd(name).exec()).isInstanceOf(NotFoundException.class);
    }

    @Test
    void a_probe_whose_thread_was_interrupted_still_removes_its_container_and_keeps_the_interrupt() {
        String name = probeContainer();

        Thread.currentThread().interrupt();
        try {
            KvmProbe.remove(engine, name);
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThatThrownBy(() -> TestDesktop.docker().inspectContainerCmd(name).exec()).isInstanceOf(NotFoundException.class);
    }

    @Test
    void probe_containers_that_ended_are_removed_before_the_next_probe_and_those_not_started_are_left() {
        String ended = probeContainer();
        TestDesktop.docker().startContainerCmd(ended).exec();
        TestDesktop.docker().waitContainerCmd(ended).exec(new WaitContainerResultCallback())
                .awaitStatusCode(60, TimeUnit.SECONDS);
        String creating = probeContainer();
        try {
            assertThat(KvmProbe.removeFinished(engine)).isGreaterThanOrEqualTo(1);

            assertThatThrownBy(() -> TestDesktop.docker().inspectContainerCmd(ended).exec())
                    .isInstanceOf(NotFoundException.class);
            assertThat(TestDesktop.docker().inspectContainerCmd(creating).exec().getState().getStatus())
                    .isEqualTo("created");
        } finally {
            KvmProbe.remove(engine, creating);
        }
    }

    @Test
    void removing_a_probe_that_was_never_created_is_not_an_error() {
        KvmProbe.remove(engine, KvmProbe.NAME_PREFIX + "never-created");
    }
}
