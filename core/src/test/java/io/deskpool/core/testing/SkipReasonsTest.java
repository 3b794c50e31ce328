package io.deskpool.core.testing;

import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.engine.support.descriptor.AbstractTestDescriptor;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestIdentifier;
import org.opentest4j.TestAbortedException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;

class SkipReasonsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final SkipReasons listener = new SkipReasons(new PrintStream(out, true, StandardCharsets.UTF_8));
    private final TestIdentifier test = TestIdentifier.from(new AbstractTestDescriptor(UniqueId.root("test", "t"),
            "kvm_test()", MethodSource.from("io.deskpool.SomeTest", "kvm_test")) {
        @Override
        public TestDescriptor.Type getType() {
            return TestDescriptor.Type.TEST;
        }
    });

    @Test
    void a_test_whose_assumption_failed_is_printed_with_the_reason() {
        listener.executionFinished(test, TestExecutionResult.aborted(new TestAbortedException("Assumption failed: no /dev/kvm")));

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("SKIPPED io.deskpool.SomeTest.kvm_test: Assumption failed: no /dev/kvm" + System.lineSeparator());
    }

    @Test
    void passing_and_failing_tests_print_nothing() {
        listener.executionFinished(test, TestExecutionResult.successful());
        listener.executionFinished(test, TestExecutionResult.failed(new AssertionError("no")));

        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void the_launcher_finds_it_on_the_test_class_path() {
        assertThat(ServiceLoader.load(org.junit.platform.launcher.TestExecutionListener.class).stream()
                .map(p -> p.type().getName())).contains(SkipReasons.class.getName());
    }
}
