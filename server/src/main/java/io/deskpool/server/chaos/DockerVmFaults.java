package io.deskpool.server.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * VM containers, by their name {@code deskpool-<vm id>}, through the docker CLI (as an operator would), against the
 * engine {@code DOCKER_HOST} names.
 */
final class DockerVmFaults implements VmFaults {
    private final Map<String, String> environment;
    private final String ownerId;

    DockerVmFaults(Map<String, String> environment, String ownerId) {
        this.environment = Map.copyOf(environment);
        this.ownerId = ownerId;
    }

    @Override
    public boolean kill(String vmId) {
        return docker("kill", "-s", "KILL", "deskpool-" + vmId).exit == 0;
    }

    @Override
    public boolean freeze(String vmId) {
        return docker("pause", "deskpool-" + vmId).exit == 0;
    }

    @Override
    public void thaw(String vmId) {
        docker("unpause", "deskpool-" + vmId);
    }

    @Override
    public List<String> leftovers() {
        Result r = docker("ps", "-a", "-q", "--filter", "label=deskpool.owner=" + ownerId);
        if (r.exit != 0) {
            return List.of("docker ps failed: " + r.output.strip());
        }
        return r.output.lines().filter(l -> !l.isBlank()).map(id -> "container " + id).toList();
    }

    private record Result(int exit, String output) {
    }

    private Result docker(String... args) {
        var command = new ArrayList<String>();
        command.add("docker");
        command.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().putAll(environment);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.waitFor(), out);
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
