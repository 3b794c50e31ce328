package io.deskpool.server.chaos;

import io.deskpool.server.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The server under test as a child process of the chaos run (this same jar, {@code Main} with no command), so it
 * can be killed with -9 and started again on the same state directory and port. Its output goes to a log file.
 */
final class ServerProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerProcess.class);

    private final Map<String, String> environment;
    private final Path logFile;
    private final String baseUrl;
    private final ChaosHttp http;
    private Process process;
    /** From a kill until the restarted server answers /status within the bound: it may not answer meanwhile. */
    private volatile boolean restarting = true;
    private volatile long upSinceNanos;

    ServerProcess(Map<String, String> environment, Path logFile, int port, ChaosHttp http) {
        this.environment = Map.copyOf(environment);
        this.logFile = requireNonNull(logFile, "logFile is null");
        this.baseUrl = "http://127.0.0.1:" + port;
        this.http = http;
    }

    /**
     * A server that was started elsewhere and is up (a stand-in, in the checks' tests): the monitors ask it, but it is
     * never started, killed or stopped from here.
     */
    static ServerProcess alreadyUp(int port, ChaosHttp http) {
        ServerProcess s = new ServerProcess(Map.of(), Path.of("/dev/null"), port, http);
        s.upSinceNanos = System.nanoTime();
        s.restarting = false;
        return s;
    }

    String baseUrl() {
        return baseUrl;
    }

    boolean restarting() {
        return restarting;
    }

    /** Seconds since the server last came up. */
    double upSeconds() {
        return (System.nanoTime() - upSinceNanos) / 1e9;
    }

    /** Starts the server and waits until /status answers; fails if it does not within {@code timeout}. */
    synchronized void start(Duration timeout) throws IOException, InterruptedException {
        restarting = true;
        var command = new ArrayList<String>(List.of(javaBinary(), "-Xmx768m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(environment);
        process = pb.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("the server exited during its start (code " + process.exitValue() + "); see " + logFile);
            }
            ChaosHttp.Reply status = http.send("GET", baseUrl + "/status", null, null, Duration.ofSeconds(2));
            // Up means answering as promptly as the monitor requires; a JVM that just started is still warming up.
            if (status.status() == 200 && status.receivedNanos() - status.sentNanos() <= StatusMonitor.BOUND.toNanos()) {
                upSinceNanos = System.nanoTime();
                restarting = false;
                log.info("Server up (pid {})", process.pid());
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the server did not answer /status within " + timeout.toSeconds() + " s; see " + logFile);
            }
            Thread.sleep(200);
        }
    }

    /** kill -9: no shutdown hook runs, the VMs stay (the next start adopts them). */
    synchronized void kill() throws InterruptedException {
        restarting = true;
        process.toHandle().destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        log.info("Server killed with SIGKILL (pid {})", process.pid());
    }

    /** SIGTERM and wait: the server stops HTTP, then destroys its VMs. Returns whether it exited in time. */
    synchronized boolean stopGracefully(Duration timeout) throws InterruptedException {
        restarting = true;
        process.destroy();
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.toHandle().destroyForcibly();
        }
    }
}
