package io.deskpool.provider.aws;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code scripts/start_remote_env_aws.sh}, run with bash and curl against the IMDSv2 stand-in. A stand-in
 * {@code java} on PATH records what the script would start, so no server is started.
 */
class StartScriptTest {
    private static final Path SCRIPT = Path.of("..", "scripts", "start_remote_env_aws.sh").toAbsolutePath().normalize();
    private static final String MAC = "0e:49:61:0f:c3:11";
    private final ImdsStandIn imds = ImdsStandIn.start();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        imds.close();
    }

    record Run(int exit, String out, String err) {
    }

    private Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        var command = new java.util.ArrayList<String>();
        command.add("bash");
        command.add(SCRIPT.toString());
        command.addAll(java.util.List.of(args));
        var pb = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        pb.environment().put("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.uri().toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("script finished").isTrue();
        return new Run(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    @Test
    void dry_run_prints_what_imdsv2_gave_and_the_command_it_would_run() throws Exception {
        imds.withHost("us-east-1", MAC, "subnet-0abc", "sg-0aaa", "sg-0bbb");

        Run r = run(Map.of(), "--dry-run");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Region:          us-east-1 (IMDS)",
                "Subnet:          subnet-0abc (IMDS)",
                "Security groups: sg-0aaa,sg-0bbb (IMDS)",
                "Would run:       PROVIDER=aws AWS_REGION=us-east-1 AWS_SUBNET_ID=subnet-0abc "
                        + "AWS_SECURITY_GROUP_ID=sg-0aaa,sg-0bbb ENV_PORT=15001 ENV_ALLOW_FROM=127.0.0.0/8,::1/128 java -jar ");
        assertThat(imds.requests()).first().isEqualTo("PUT /latest/api/token -> 200");
        assertThat(imds.requests()).contains("GET /latest/meta-data/placement/region -> 200",
                "GET /latest/meta-data/network/interfaces/macs/" + MAC + "/security-group-ids -> 200");
        assertThat(imds.tokensIssued()).as("one token serves every read").isEqualTo(1);
    }

    @Test
    void values_in_the_environment_win_and_the_metadata_service_is_not_asked() throws Exception {
        imds.withHost("us-east-1", MAC, "subnet-imds", "sg-imds");

        Run r = run(Map.of("AWS_REGION", "ap-east-1", "AWS_SUBNET_ID", "subnet-env", "AWS_SECURITY_GROUP_ID", "sg-env",
                "ENV_ALLOW_FROM", "10.100.4.0/24"), "--dry-run");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Region:          ap-east-1 (environment)", "subnet-env (environment)",
                "sg-env (environment)", "10.100.4.0/24 (environment)");
        assertThat(imds.requests()).isEmpty();
    }

    @Test
    void only_what_the_environment_leaves_empty_is_detected() throws Exception {
        imds.withHost("us-east-1", MAC, "subnet-imds", "sg-imds");

        Run r = run(Map.of("AWS_REGION", "ap-east-1"), "--dry-run");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("ap-east-1 (environment)", "subnet-imds (IMDS)", "sg-imds (IMDS)");
        assertThat(imds.requests()).noneMatch(req -> req.contains("placement/region"));
    }

    @Test
    void an_expired_token_is_replaced_and_detection_goes_on() throws Exception {
        imds.withHost("us-east-1", MAC, "subnet-0abc", "sg-0aaa").tokensExpireAfterReads(1);

        Run r = run(Map.of(), "--dry-run");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("subnet-0abc (IMDS)", "sg-0aaa (IMDS)");
        assertThat(imds.requests()).contains("GET /latest/meta-data/mac -> 401");
        assertThat(imds.tokensIssued()).isGreaterThan(1);
    }

    @Test
    void missing_metadata_fails_naming_the_variable_and_how_to_set_it() throws Exception {
        imds.withHost("us-east-1", MAC, "subnet-0abc", "sg-0aaa")
                .remove("network/interfaces/macs/" + MAC + "/subnet-id");

        Run r = run(Map.of(), "--dry-run");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("Subnet:          (missing)");
        assertThat(r.err()).contains("error: missing AWS_SUBNET_ID:",
                "the instance metadata has no network/interfaces/macs/" + MAC + "/subnet-id",
                "AWS_SUBNET_ID=subnet-");
    }

    @Test
    void off_ec2_without_settings_it_fails_naming_all_three() throws Exception {
        int closedPort;
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }

        Run r = run(Map.of("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + closedPort), "--dry-run");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("missing AWS_REGION, AWS_SUBNET_ID, AWS_SECURITY_GROUP_ID",
                "http://127.0.0.1:" + closedPort + " did not answer");
    }

    @Test
    void trainers_in_this_hosts_vpc_may_call_the_env_api_on_15001_without_a_token() throws Exception {
        imds.withHost("us-east-1", MAC, "subnet-0abc", "sg-0aaa")
                .put("network/interfaces/macs/" + MAC + "/vpc-ipv4-cidr-blocks", "172.31.0.0/16\n10.100.0.0/16");

        Run r = run(Map.of(), "--dry-run");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Env API port:    15001",
                "Env callers:     127.0.0.0/8,::1/128,172.31.0.0/16,10.100.0.0/16 (loopback and this VPC, IMDS) "
                        + "may send no token: a generated token",
                "ENV_PORT=15001 ENV_ALLOW_FROM=127.0.0.0/8,::1/128,172.31.0.0/16,10.100.0.0/16 java -jar ");
    }

    @Test
    void with_tokens_but_no_anonymous_token_it_warns_that_token_less_trainers_get_401() throws Exception {
        imds.withHost("us-east-1", MAC, "subnet-0abc", "sg-0aaa");

        Run r = run(Map.of("TOKENS", "alice:4"), "--dry-run");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("ENV_ANONYMOUS_TOKEN is not, so callers without a token get 401");
    }

    @Test
    void without_dry_run_it_starts_the_server_with_provider_aws_and_the_values_exported() throws Exception {
        imds.withHost("us-east-1", MAC, "subnet-0abc", "sg-0aaa");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path fakeJava = bin.resolve("java");
        Files.writeString(fakeJava, "#!/bin/bash\necho \"stand-in java: PROVIDER=$PROVIDER AWS_REGION=$AWS_REGION "
                + "AWS_SUBNET_ID=$AWS_SUBNET_ID AWS_SECURITY_GROUP_ID=$AWS_SECURITY_GROUP_ID args: $*\"\n"
                + "echo \"env: ENV_PORT=$ENV_PORT anonymous=${ENV_ANONYMOUS_TOKEN:0:8} tokens=${TOKENS:0:8}\"\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.writeString(dir.resolve("deskpool.jar"), "not a real jar", StandardCharsets.UTF_8);

        Run r = run(Map.of("PATH", bin + ":" + System.getenv("PATH"), "DESKPOOL_JAR", jar.toString()), "serve");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("stand-in java: PROVIDER=aws AWS_REGION=us-east-1 AWS_SUBNET_ID=subnet-0abc "
                + "AWS_SECURITY_GROUP_ID=sg-0aaa args: -jar " + jar + " serve",
                "env: ENV_PORT=15001 anonymous=trainer- tokens=trainer-");
    }
}
