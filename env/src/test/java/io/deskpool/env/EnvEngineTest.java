package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.PoolConfig;
import io.deskpool.core.pool.ReconcilePolicy;
import io.deskpool.core.pool.TokenQuotas;
import io.deskpool.core.pool.VmPool;
import io.deskpool.core.pool.VmState;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.testing.InMemoryProvider;
import io.deskpool.core.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.deskpool.env.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;

/**
 * The engine's answers that need no live VM, over the in-memory provider (whose VMs claim 127.0.0.1:5000, where
 * nothing answers). Episodes on real VMs are tested in the server against QEMU guests.
 */
class EnvEngineTest {
    @TempDir
    Path cache;
    private final MutableClock clock = new MutableClock();
    private VmPool pool;
    private EnvEngine engine;

    @BeforeEach
    void start() {
        pool = new VmPool(new InMemoryProvider(), new PoolConfig(1, 1, 1, Duration.ofMinutes(10), Duration.ofSeconds(30),
                InMemoryProvider.SNAPSHOT, ReconcilePolicy.ADOPT, Duration.ZERO, Duration.ZERO, Duration.ZERO),
                TokenQuotas.unlimited(), clock);
        pool.start();
        EnvConfig config = EnvConfig.from(Settings.of(Map.of("ENV_CACHE_DIR", cache.toString(), "ENV_READY_TIMEOUT", "1",
                "ENV_RESET_WAIT", "20")));
        engine = EnvEngine.forTest(pool, config, ActionParsers.load("uitars"), StepRewards.load("format"), clock);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (pool.status().count(VmState.WARM) < 1) {
            if (System.nanoTime() > deadline) {
                fail("no warm VM");
            }
            Thread.onSpinWait();
        }
    }

    @AfterEach
    void stop() {
        engine.close();
        pool.close(true, Duration.ofSeconds(10));
    }

    private StepRequest step(String prediction) {
        return new StepRequest(prediction, engine.parsers().chosen(), Optional.empty(), Optional.empty(), Optional.empty(),
                StepRequest.Unparsable.END_EPISODE, false);
    }

    private static DeskpoolException failure(Runnable call) {
        DeskpoolException e = catchThrowableOfType(DeskpoolException.class, call::run);
        assertThat(e).as("the call fails").isNotNull();
        return e;
    }

    @Test
    void a_step_before_any_reset_is_a_conflict_saying_to_reset() {
        String slot = engine.slot("lab", 0).id();

        DeskpoolException e = failure(() -> engine.step("lab", slot, step("Action: wait()")));

        assertThat(EnvFailure.NOT_RESET.is(e)).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
        assertThat(e.getMessage()).contains("reset");
    }

    @Test
    void evaluate_before_any_reset_is_not_ready_and_says_to_retry_never_a_score() {
        String slot = engine.slot("lab", 0).id();

        DeskpoolException e = failure(() -> engine.evaluate("lab", slot));

        assertThat(EnvFailure.EPISODE_NOT_READY.is(e)).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY);
        assertThat(e.getMessage()).contains("retry");
    }

    @Test
    void a_reset_whose_vm_does_not_answer_gives_the_vm_back_and_evaluate_then_says_why() {
        String slot = engine.slot("lab", 3).id();

        DeskpoolException reset = failure(() -> engine.reset("lab", slot, TaskConfig.BLANK, ResetOptions.DEFAULTS));
        DeskpoolException eval = failure(() -> engine.evaluate("lab", slot));

        assertThat(EnvFailure.VM_NOT_READY.is(reset)).isTrue();
        assertThat(reset.getMessage()).contains("GET /terminal", "retry the reset");
        assertThat(pool.status().leases()).isZero();
        assertThat(engine.view("lab", slot).state()).isEqualTo(SessionView.State.NO_VM);
        assertThat(eval.getMessage()).contains("the last reset failed");
    }

    @Test
    void a_slot_is_the_same_session_for_its_owner_and_another_session_for_another_owner() {
        SessionView mine = engine.slot("lab", 2);

        assertThat(engine.slot("lab", 2).id()).isEqualTo(mine.id());
        assertThat(engine.slot("other", 2).id()).isNotEqualTo(mine.id());
        assertThat(mine.slot()).hasValue(2);
        assertThat(mine.state()).isEqualTo(SessionView.State.NEW);
    }

    @Test
    void slot_numbers_are_bounded() {
        DeskpoolException e = failure(() -> engine.slot("lab", EnvSessions.MAX_SLOT + 1));

        assertThat(EnvFailure.INVALID_REQUEST.is(e)).isTrue();
    }

    @Test
    void another_tokens_session_is_refused() {
        String id = engine.open("lab").id();

        DeskpoolException e = failure(() -> engine.step("intruder", id, step("Action: wait()")));

        assertThat(EnvFailure.NOT_SESSION_OWNER.is(e)).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void a_v1_session_without_a_vm_is_forgotten_after_twice_the_idle_time_and_a_slot_is_kept() {
        String session = engine.open("lab").id();
        String slot = engine.slot("lab", 1).id();

        clock.advance(engine.config().idleRelease().multipliedBy(2).plusSeconds(1));
        engine.housekeep();

        assertThat(EnvFailure.UNKNOWN_SESSION.is(failure(() -> engine.view("lab", session)))).isTrue();
        assertThat(engine.view("lab", slot).id()).isEqualTo(slot);
    }

    @Test
    void a_reset_interrupted_while_it_waits_for_a_vm_is_interrupted_and_says_to_retry() throws Exception {
        pool.acquire("other", Duration.ofSeconds(10));
        String slot = engine.slot("lab", 0).id();
        CompletableFuture<DeskpoolException> reset = new CompletableFuture<>();
        Thread resetting = new Thread(() -> reset.complete(catchThrowableOfType(DeskpoolException.class,
                () -> engine.reset("lab", slot, TaskConfig.BLANK, ResetOptions.DEFAULTS))));
        resetting.start();
        eventually(() -> pool.status().waiting() == 1);

        resetting.interrupt();

        DeskpoolException e = reset.get(20, TimeUnit.SECONDS);
        assertThat(EnvFailure.INTERRUPTED.is(e)).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY);
        assertThat(e.getMessage()).contains("retry the reset");
    }

    @Test
    void a_call_interrupted_while_another_holds_its_session_is_interrupted_naming_the_session() throws Exception {
        Lease only = pool.acquire("other", Duration.ofSeconds(10));
        String slot = engine.slot("lab", 0).id();
        Thread resetting = new Thread(() -> catchThrowableOfType(DeskpoolException.class,
                () -> engine.reset("lab", slot, TaskConfig.BLANK, ResetOptions.DEFAULTS)));
        resetting.start();
        eventually(() -> pool.status().waiting() == 1);
        CompletableFuture<DeskpoolException> screenshot = new CompletableFuture<>();
        Thread waiting = new Thread(() -> screenshot.complete(catchThrowableOfType(DeskpoolException.class,
                () -> engine.screenshot("lab", slot))));
        waiting.start();
        eventually(() -> waiting.getState() == Thread.State.TIMED_WAITING);

        waiting.interrupt();

        DeskpoolException e = screenshot.get(20, TimeUnit.SECONDS);
        assertThat(EnvFailure.INTERRUPTED.is(e)).isTrue();
        assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY);
        assertThat(e.details()).containsEntry("session_id", slot);
        pool.release(only.id(), "other");
        resetting.join(TimeUnit.SECONDS.toMillis(20));
    }
}
