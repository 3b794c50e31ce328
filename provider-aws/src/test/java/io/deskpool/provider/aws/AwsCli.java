package io.deskpool.provider.aws;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The real AWS CLI ({@code aws} on PATH), run on the commands a doctor check printed, as an admin would paste them
 * into bash, against moto ({@code AWS_ENDPOINT_URL}, moto's keys, no config files, no instance metadata). Only the
 * commands are run: a fix's prose before its first {@code aws ec2} is left out.
 */
final class AwsCli {
    private static final long TIMEOUT_SECONDS = 120;
    private final URI endpoint;
    private final String region;

    AwsCli(URI endpoint, String region) {
        this.endpoint = requireNonNull(endpoint, "endpoint is null");
        this.region = requireNonNull(region, "region is null");
    }

    /**
     * Runs the commands in {@code fix} under {@code set -e}.
     *
     * @return what they printed
     * @throws AssertionError when there are no commands, a command fails, or they do not end in time
     */
    String follow(String fix) throws IOException, InterruptedException {
        int start = fix.indexOf("aws ec2 ");
        if (start < 0) {
            throw new AssertionError("no aws command in the fix: " + fix);
        }
        MotoServer.findOnPath("aws").orElseThrow(() -> new IllegalStateException(
                "aws is not on PATH: these tests run the doctor's printed fixes with the AWS CLI "
                        + "(`pip install awscli`; it is preinstalled in this machine image's Python)"));
        String commands = fix.substring(start);
        Path log = Files.createTempFile("aws-cli", ".log");
        var pb = new ProcessBuilder("bash", "-c", "set -e; " + commands)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        pb.environment().put("AWS_ENDPOINT_URL", endpoint.toString());
        pb.environment().put("AWS_ACCESS_KEY_ID", EmulatorEc2.ACCESS_KEY);
        pb.environment().put("AWS_SECRET_ACCESS_KEY", EmulatorEc2.SECRET_KEY);
        pb.environment().put("AWS_DEFAULT_REGION", region);
        pb.environment().put("AWS_CONFIG_FILE", "/dev/null");
        pb.environment().put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        Process process = pb.start();
        process.getOutputStream().close();
        boolean ended = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        if (!ended) {
            throw new AssertionError("the printed commands did not end: " + commands + "\n" + output);
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("the printed commands failed (exit " + process.exitValue() + "): " + commands
                    + "\n" + output);
        }
        return output;
    }
}
