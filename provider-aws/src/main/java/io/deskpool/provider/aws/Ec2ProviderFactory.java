package io.deskpool.provider.aws;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.doctor.DoctorCheck;
import io.deskpool.core.settings.CoreSettings;
import io.deskpool.core.settings.Setting;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.HostSupport;
import io.deskpool.core.spi.ProviderContext;
import io.deskpool.core.spi.ProviderFactory;
import io.deskpool.core.spi.ScreenSize;
import io.deskpool.provider.aws.Ec2ProviderConfig.ProbeOverride;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.InstanceTypeInfo;
import software.amazon.awssdk.utils.SdkAutoCloseable;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code aws} provider: VMs as EC2 instances in this host's region, subnet and security groups. Startup
 * resolves and checks everything it can (placement, credentials, the AMI, the instance type), so mistakes show up
 * as one clear error before the first VM is launched.
 */
public final class Ec2ProviderFactory implements ProviderFactory {
    static final Duration STATE_POLL = Duration.ofSeconds(5);
    private static final Logger log = LoggerFactory.getLogger(Ec2ProviderFactory.class);

    @Override
    public String name() {
        return Ec2Provider.NAME;
    }

    @Override
    public String description() {
        return "Native EC2 instances from the OSWorld AMI in this host's subnet (boot in 1-2 minutes)";
    }

    @Override
    public List<Setting> settings() {
        return AwsSettings.ALL;
    }

    /**
     * Placement, credentials accepted in the region, the AMI visible, subnet and groups in one VPC (this host's),
     * the desktop's ports open to this host, and the vCPU quota where Service Quotas can be read.
     */
    @Override
    public List<DoctorCheck> checks(Settings settings) {
        return List.of(new AwsPlacementCheck(), new AwsCredentialsCheck(), new AwsAmiCheck(), new AwsNetworkCheck(),
                new AwsIngressCheck(), new AwsDesktopIsolationCheck(), new AwsVcpuQuotaCheck());
    }

    /** Asks nothing of AWS itself: settings, the instance metadata service (briefly) and the credential chain. */
    @Override
    public HostSupport hostSupport(Settings settings) {
        try {
            Placement placement = new PlacementDetector(settings).detect();
            AwsConnection connection = AwsConnection.of(settings, placement.region().value());
            try {
                connection.requireCredentials();
            } finally {
                closeQuietly(connection);
            }
            return HostSupport.available("EC2 in " + placement.describe() + "; credentials from "
                    + connection.credentialsSource());
        } catch (DeskpoolException e) {
            return HostSupport.unavailable(e.getMessage());
        }
    }

    @Override
    public Ec2Provider create(ProviderContext context) {
        return create(context, Ec2Retry.Pause.REAL, STATE_POLL);
    }

    /** With the pause between retries and polls, and the poll interval, chosen by the caller (tests). */
    Ec2Provider create(ProviderContext context, Ec2Retry.Pause pause, Duration statePoll) {
        Settings s = context.settings();
        Placement placement = new PlacementDetector(s).detect();
        log.info("AWS placement: {}", placement.describe());
        String region = placement.region().value();
        AwsConnection connection = AwsConnection.of(s, region);
        connection.requireCredentials();
        log.info("AWS connection: {}", connection.describe());

        ScreenSize screen = screen(s);
        Detected ami = s.optionalString(AwsSettings.AMI_ID)
                .map(v -> new Detected(v, s.source(AwsSettings.AMI_ID).label()))
                .orElseGet(() -> OsworldAmis.find(region, screen).map(v -> new Detected(v, "OSWorld AMI of " + region))
                        .orElseThrow(() -> new DeskpoolException(ErrorCode.INVALID_SETTING, "AWS_AMI_ID is not set and "
                                + "OSWorld has no AMI for region " + region + " at " + screen + " (its AMIs: "
                                + OsworldAmis.regions() + ", 1920x1080 only). Set AWS_AMI_ID to a desktop AMI of " + region
                                + " (copy OSWorld's with `aws ec2 copy-image`), or use one of those regions.")));
        String instanceType = s.string(AwsSettings.INSTANCE_TYPE);
        if (instanceType.isEmpty()) {
            throw s.invalid(AwsSettings.INSTANCE_TYPE, instanceType, "an EC2 instance type such as t3.xlarge");
        }
        Optional<Duration> ttl = s.bool(AwsSettings.ENABLE_TTL)
                ? Optional.of(Duration.ofMinutes(s.integer(AwsSettings.DEFAULT_TTL_MINUTES, 1))) : Optional.empty();
        Duration readyTimeout = s.optionalString(CoreSettings.VM_READY_TIMEOUT).isPresent()
                ? s.seconds(CoreSettings.VM_READY_TIMEOUT, Duration.ofSeconds(1)) : Ec2Provider.DEFAULT_READY_TIMEOUT;
        Duration sweepInterval = Duration.ofSeconds(s.integer(AwsSettings.SWEEP_INTERVAL, 0));
        Optional<ProbeOverride> probeOverride = s.optionalString(AwsSettings.READINESS_HOST_OVERRIDE).map(v -> {
            ProbeOverride o = ProbeOverride.parse(v);
            if (o == null) {
                throw s.invalid(AwsSettings.READINESS_HOST_OVERRIDE, v, "HOST or HOST:PORT");
            }
            return o;
        });
        probeOverride.ifPresent(o -> log.warn("Readiness probes go to {} instead of the instances ({}): meant for tests "
                + "against an EC2 emulator only", o, AwsSettings.READINESS_HOST_OVERRIDE.name()));
        for (Setting ignored : List.of(CoreSettings.RAM_SIZE, CoreSettings.CPU_CORES)) {
            s.optionalString(ignored).ifPresent(v -> log.warn("{} is ignored by the aws provider: {} decides memory and "
                    + "CPUs", ignored.name(), AwsSettings.INSTANCE_TYPE.name()));
        }

        Ec2Client ec2 = connection.ec2Client();
        var errors = new Ec2ErrorTranslator(connection.endpoint().map(URI::toString)
                .orElse("the EC2 endpoint of " + region));
        var retry = new Ec2Retry(errors, pause);
        try {
            Image image = describeImage(ec2, retry, ami);
            String rootDevice = image.rootDeviceName() == null ? "/dev/sda1" : image.rootDeviceName();
            int imageRootGb = image.blockDeviceMappings().stream()
                    .filter(b -> rootDevice.equals(b.deviceName()) && b.ebs() != null && b.ebs().volumeSize() != null)
                    .map(BlockDeviceMapping::ebs).findFirst().map(e -> e.volumeSize()).orElse(1);
            int rootGb = rootVolumeGb(s, imageRootGb);
            InstanceTypeInfo type = describeInstanceType(ec2, retry, instanceType);
            var config = new Ec2ProviderConfig(placement, ami, instanceType, rootDevice, rootGb,
                    type.memoryInfo().sizeInMiB().intValue(), type.vCpuInfo().defaultVCpus(), screen,
                    s.bool(AwsSettings.USE_PUBLIC_IP), ttl, readyTimeout, statePoll, sweepInterval, probeOverride);
            log.info("EC2 VMs: {} {} ({} vCPUs, {} MiB), AMI {}, {} GB gp3 root on {}, {} IP, TTL {}", instanceType,
                    region, config.cpus(), config.memoryMb(), ami, rootGb, rootDevice,
                    config.usePublicIp() ? "public" : "private",
                    ttl.map(d -> d.toMinutes() + " min").orElse("off"));
            Ec2Provider provider = new Ec2Provider(config, ec2, retry, context.ownerId(), context.clock(), pause,
                    () -> closeQuietly(connection));
            provider.startSweeper();
            return provider;
        } catch (RuntimeException e) {
            ec2.close();
            closeQuietly(connection);
            throw e;
        }
    }

    private static Image describeImage(Ec2Client ec2, Ec2Retry retry, Detected ami) {
        return retry.call("DescribeImages", () -> ec2.describeImages(r -> r.imageIds(ami.value()))).images().stream()
                .findFirst().orElseThrow(() -> new DeskpoolException(ErrorCode.INVALID_SETTING, "AMI " + ami
                        + " is not visible in this region: set AWS_AMI_ID to an AMI of the region",
                        java.util.Map.of("hint", "set AWS_AMI_ID to an AMI of the region"), null));
    }

    private static InstanceTypeInfo describeInstanceType(Ec2Client ec2, Ec2Retry retry, String type) {
        return retry.call("DescribeInstanceTypes", () -> ec2.describeInstanceTypes(r -> r.instanceTypesWithStrings(type)))
                .instanceTypes().stream().findFirst().orElseThrow(() -> new DeskpoolException(ErrorCode.INVALID_SETTING,
                        "AWS_INSTANCE_TYPE '" + type + "' is not offered in this region"));
    }

    private static int rootVolumeGb(Settings s, int imageRootGb) {
        if (s.optionalString(CoreSettings.DISK_SIZE).isEmpty()) {
            return imageRootGb;
        }
        int gb = (int) Math.ceil(s.megabytes(CoreSettings.DISK_SIZE, 1024) / 1024.0);
        if (gb < imageRootGb) {
            throw s.invalid(CoreSettings.DISK_SIZE, s.string(CoreSettings.DISK_SIZE), "at least the AMI's root volume ("
                    + imageRootGb + "G), or empty");
        }
        return gb;
    }

    private static ScreenSize screen(Settings s) {
        String raw = s.string(CoreSettings.SCREEN_SIZE);
        try {
            return ScreenSize.parse(raw);
        } catch (IllegalArgumentException e) {
            throw s.invalid(CoreSettings.SCREEN_SIZE, raw, "WIDTHxHEIGHT such as 1920x1080");
        }
    }

    private static void closeQuietly(AwsConnection connection) {
        if (connection.credentials() instanceof SdkAutoCloseable closeable) {
            closeable.close();
        }
    }
}
