package io.deskpool.provider.aws;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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

    /** The script's working directory, where the server it starts reads .env and configs/config.yaml. */
    private Path work;

    @BeforeEach
    void workingDirectory() throws IOException {
        work = Files.createDirectories(dir.resolve("work"));
    }

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
                .directory(work.toFile())
                .redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("ENV_") || k.equals("TOKENS")
                || k.equals("DESKPOOL_CONFIG"));
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
        Path jar = dir.resolve("deskpool.jar");

        Run r = run(standInJava(Map.of()), "serve");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("stand-in java: PROVIDER=aws AWS_REGION=us-east-1 AWS_SUBNET_ID=subnet-0abc "
                + "AWS_SECURITY_GROUP_ID=sg-0aaa args: -jar " + jar + " serve",
                "env: ENV_PORT=15001 ENV_ALLOW_FROM=127.0.0.0/8,::1/128 anonymous=trainer- tokens=trainer-");
    }

    /**
     * The environment for a run that starts "the server": a stand-in {@code java} first on PATH prints what the
     * server would get from the environment (the start of each token only), and DESKPOOL_JAR names a file.
     */
    private Map<String, String> standInJava(Map<String, String> env) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path fakeJava = bin.resolve("java");
        Files.writeString(fakeJava, "#!/bin/bash\necho \"stand-in java: PROVIDER=$PROVIDER AWS_REGION=$AWS_REGION "
                + "AWS_SUBNET_ID=$AWS_SUBNET_ID AWS_SECURITY_GROUP_ID=$AWS_SECURITY_GROUP_ID args: $*\"\n"
                + "echo \"env: ENV_PORT=$ENV_PORT ENV_ALLOW_FROM=$ENV_ALLOW_FROM anonymous=${ENV_ANONYMOUS_TOKEN:0:8} "
                + "tokens=${TOKENS:0:8}\"\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.writeString(dir.resolve("deskpool.jar"), "not a real jar", StandardCharsets.UTF_8);
        var all = new java.util.HashMap<>(env);
        all.put("PATH", bin + ":" + System.getenv("PATH"));
        all.put("DESKPOOL_JAR", jar.toString());
        return all;
    }

    @Test
    void env_port_tokens_and_callers_set_in_dotenv_are_left_to_the_server_not_exported_over_it() throws Exception {
        imds.withHost("us-east-1", MAC, "subnet-0abc", "sg-0aaa")
                .put("network/interfaces/macs/" + MAC + "/vpc-ipv4-cidr-blocks", "172.31.0.0/16");
        Files.writeString(work.resolve(".env"), """
                # the user's settings
                export ENV_PORT=16001
                TOKENS='alice:4,trainer:8'
                ENV_ANONYMOUS_TOKEN=trainer
                ENV_ALLOW_FROM=10.100.4.0/24 # the training cluster
                """);

        Run dry = run(Map.of(), "--dry-run");
        Run started = run(standInJava(Map.of()), "serve");

        assertThat(dry.exit()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("Env API port:    16001 (.env", "Env callers:     10.100.4.0/24 (.env)",
                "ENV_ANONYMOUS_TOKEN from .env", "Left to the server (from .env or configs/config.yaml): ENV_PORT "
                        + "ENV_ALLOW_FROM TOKENS ENV_ANONYMOUS_TOKEN");
        assertThat(dry.out()).doesNotContain("ENV_PORT=", "ENV_ALLOW_FROM=", "trainer-");
        assertThat(imds.requests()).noneMatch(req -> req.contains("vpc-ipv4-cidr-blocks"));
        assertThat(started.exit()).as(started.err()).isZero();
        assertThat(started.out()).as("nothing exported over .env").contains(
                "env: ENV_PORT= ENV_ALLOW_FROM= anonymous= tokens=");
    }

    @Test
    void tokens_and_settings_in_the_config_file_are_left_to_the_server_and_no_token_is_made() throws Exception {
        imds.withHost("us-east-1", MAC, "subnet-0abc", "sg-0aaa");
        Files.createDirectories(work.resolve("configs"));
        Files.writeString(work.resolve("configs/config.yaml"), """
                remote_docker_server:
                  port: 50003
                tokens:
                  alice: 4
                deskpool:
                  ENV_PORT: "17001"
                  AWS_SUBNET_ID: subnet-yaml
                """);

        Run r = run(standInJava(Map.of()), "serve");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Subnet:          subnet-yaml (configs/config.yaml)",
                "Env API port:    17001 (configs/config.yaml",
                "TOKENS is set (configs/config.yaml) but ENV_ANONYMOUS_TOKEN is not, so callers without a token get 401",
                "AWS_SUBNET_ID= AWS_SECURITY_GROUP_ID=sg-0aaa", "env: ENV_PORT= ENV_ALLOW_FROM=127.0.0.0/8,::1/128 "
                        + "anonymous= tokens=");
        assertThat(imds.requests()).noneMatch(req -> req.contains("subnet-id"));
    }

    @Test
    void the_environment_still_wins_over_dotenv() throws Exception {
        imds.withHost("us-east-1", MAC, "subnet-0abc", "sg-0aaa");
        Files.writeString(work.resolve(".env"), "ENV_PORT=16001\n");

        Run r = run(standInJava(Map.of("ENV_PORT", "18001")), "serve");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Env API port:    18001 (environment", "env: ENV_PORT=18001 ");
    }
}
