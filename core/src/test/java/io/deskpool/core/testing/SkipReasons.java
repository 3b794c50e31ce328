package io.deskpool.core.testing;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

import java.io.PrintStream;

/**
 * Prints every skipped test with its reason on the build's console: Surefire shows only a count there, and a test
 * skipped for want of hardware (no working KVM, no Docker engine) must say why where the build output is read.
 * Every module's tests get it through core's test jar ({@code META-INF/services}).
 */
public final class SkipReasons implements TestExecutionListener {
    private final PrintStream out;

    public SkipReasons() {
        this(System.out);
    }

    SkipReasons(PrintStream out) {
        this.out = out;
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        print(test, reason);
    }

    /** An assumption that did not hold aborts the test: that is JUnit's "skipped with a reason". */
    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            print(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    private void print(TestIdentifier test, String reason) {
        String name = test.getSource().map(s -> s instanceof MethodSource m ? m.getClassName() + "." + m.getMethodName()
                : s instanceof ClassSource c ? c.getClassName() : test.getDisplayName()).orElse(test.getDisplayName());
        out.println("SKIPPED " + name + ": " + reason);
    }
}
