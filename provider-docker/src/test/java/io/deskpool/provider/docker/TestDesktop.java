package io.deskpool.provider.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.ProviderContext;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmLabels;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The real parts the tests run on: the Docker engine (scripts/docker-engine.sh start), the test guest qcow2
 * (scripts/build-test-guest.sh, or DESKPOOL_TEST_GUEST) and the local test image (scripts/build-test-image.sh,
 * or DESKPOOL_TEST_IMAGE). Both scripts are cached, so calling them costs nothing once CI has built them.
 * Missing parts fail the tests with a message saying how to get them.
 */
final class TestDesktop {
    private static Path guest;
    private static String image;
    private static DockerClient docker;

    private TestDesktop() {
    }

    /** A docker-java client of our own, for assertions and clean-up; fails when the engine is not running. */
    static synchronized DockerClient docker() {
        if (docker == null) {
            var config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
            var http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                    .connectionTimeout(Duration.ofSeconds(5)).responseTimeout(Duration.ofSeconds(120)).build();
            DockerClient client = DockerClientImpl.getInstance(config, http);
            try {
                client.versionCmd().exec();
            } catch (RuntimeException e) {
                throw new AssertionError("These tests need a running Docker engine at " + config.getDockerHost()
                        + " (start one with scripts/docker-engine.sh start): " + e.getMessage(), e);
            }
            docker = client;
        }
        return docker;
    }

    static synchronized Path guest() {
        if (guest == null) {
            String given = System.getenv("DESKPOOL_TEST_GUEST");
            guest = Path.of(given != null && !given.isBlank() ? given : runScript("scripts/build-test-guest.sh"));
            if (!Files.isRegularFile(guest)) {
                throw new AssertionError("The test guest qcow2 " + guest + " does not exist (scripts/build-test-guest.sh "
                        + "builds it; DESKPOOL_TEST_GUEST names another)");
            }
        }
        return guest;
    }

    static synchronized String image() {
        if (image == null) {
            docker();
            String given = System.getenv("DESKPOOL_TEST_IMAGE");
            image = given != null && !given.isBlank() ? given
                    : runScript("scripts/build-test-image.sh", guest().toString());
            try {
                docker().inspectImageCmd(image).exec();
            } catch (RuntimeException e) {
                throw new AssertionError("The test image " + image + " is not on the engine (scripts/build-test-image.sh "
                        + "builds it)", e);
            }
        }
        return image;
    }

    /** Settings for a provider on the test image: a small guest, software emulation picked by the KVM probe. */
    static Settings settings(Map<String, String> overrides) {
        var values = new HashMap<String, String>();
        values.put("PATH_TO_VM", guest().toString());
        values.put("DOCKER_IMAGE", image());
        values.put("RAM_SIZE", "256M");
        values.put("CPU_CORES", "1");
        values.put("DISK_SIZE", "1G");
        values.put("VM_READY_TIMEOUT", "180");
        values.putAll(overrides);
        return Settings.of(values);
    }

    static ProviderContext context(String owner, Settings settings, Path stateDir) {
        return context(owner, settings, stateDir, Clock.systemUTC());
    }

    /** A provider context whose clock is {@code clock} (a clock ahead of the host catches guests left behind). */
    static ProviderContext context(String owner, Settings settings, Path stateDir, Clock clock) {
        return new ProviderContext(owner, settings, stateDir, clock);
    }

    /** Every container carrying this owner label, running or not. */
    static List<Container> containersOf(String owner) {
        return docker().listContainersCmd().withShowAll(true).withLabelFilter(Map.of(VmLabels.OWNER, owner)).exec();
    }

    /** Removes whatever a test left behind (with volumes), so one failed test does not leak VMs. */
    static void removeAllOf(String owner) {
        for (Container c : containersOf(owner)) {
            try {
                docker().removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
    }

    /** Runs a shell command in the guest through the in-VM server; returns {returncode, output}. */
    static GuestResult execute(VmEndpoints endpoints, String shellCommand) throws IOException, InterruptedException {
        String body = "{\"command\": " + quote(shellCommand) + ", \"shell\": true}";
        HttpRequest request = HttpRequest.newBuilder(endpoints.serverUri("/execute"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        // A new client per call: connections from before a snapshot restore are stale.
        HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
                .send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        return new GuestResult(response.statusCode(), json.path("returncode").asInt(-1), json.path("output").asText(""));
    }

    record GuestResult(int httpStatus, int returncode, String output) {
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(250);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Runs a repository script and returns the last line of its stdout. */
    private static String runScript(String script, String... args) {
        Path root = repoRoot();
        var command = new java.util.ArrayList<String>(List.of("bash", root.resolve(script).toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(root.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new AssertionError(script + " failed (exit " + (p.isAlive() ? "timeout" : p.exitValue()) + ")");
            }
            List<String> lines = out.strip().lines().toList();
            if (lines.isEmpty()) {
                throw new AssertionError(script + " printed nothing");
            }
            return lines.get(lines.size() - 1).strip();
        } catch (IOException e) {
            throw new AssertionError("could not run " + script + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + script, e);
        }
    }

    private static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("scripts")) && Files.isRegularFile(p.resolve("pom.xml"))
                    && Files.isDirectory(p.resolve("core"))) {
                return p;
            }
        }
        throw new AssertionError("cannot find the repository root above " + Path.of("").toAbsolutePath());
    }
}
