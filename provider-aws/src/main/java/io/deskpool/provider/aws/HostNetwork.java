package io.deskpool.provider.aws;

import io.deskpool.core.net.Cidr;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Where this host sits in EC2, as its instance metadata says: its private and public address, its VPC and its
 * security groups. Empty off EC2 (or with IMDS off), where the checks cannot compare the VMs' network with the
 * host's and say so.
 */
record HostNetwork(Optional<String> privateIp, Optional<String> publicIp, Optional<String> vpcId, List<String> securityGroups) {
    HostNetwork {
        requireNonNull(privateIp, "privateIp is null");
        requireNonNull(publicIp, "publicIp is null");
        requireNonNull(vpcId, "vpcId is null");
        securityGroups = List.copyOf(securityGroups);
    }

    /**
     * The address the desktops see this host's connections come from: its public one with
     * {@code AWS_USE_PUBLIC_IP} (the server reaches them through the internet gateway), else its private one.
     */
    Optional<String> addressDesktopsSee(boolean usePublicIp) {
        return usePublicIp ? publicIp.or(this::privateIp) : privateIp;
    }

    /** Whether {@code cidr} is exactly one of this host's own addresses as a /32: it admits this host and nothing else. */
    boolean isOnlyThisHost(String cidr) {
        Optional<Cidr> block = Cidr.tryParse(cidr);
        return block.isPresent() && block.get().prefix() == 32
                && (privateIp.filter(block.get()::contains).isPresent() || publicIp.filter(block.get()::contains).isPresent());
    }

    /** Reads it from the metadata service the placement detector uses; empty off EC2 or when it does not answer. */
    static Optional<HostNetwork> read(PlacementDetector detector, java.time.Duration timeout) {
        if (!detector.metadataWorthAsking()) {
            return Optional.empty();
        }
        var ignored = new ArrayList<String>();
        try (var imds = new PlacementDetector.MetadataSession(detector.metadataEndpoint(), timeout)) {
            Optional<String> mac = imds.find("mac", ignored).map(Detected::value);
            if (mac.isEmpty()) {
                return Optional.empty();
            }
            String nic = "network/interfaces/macs/" + mac.get() + "/";
            return Optional.of(new HostNetwork(
                    imds.find("local-ipv4", ignored).map(Detected::value),
                    imds.find("public-ipv4", ignored).map(Detected::value),
                    imds.find(nic + "vpc-id", ignored).map(Detected::value),
                    imds.find(nic + "security-group-ids", ignored).map(d -> Placement.splitGroups(d.value())).orElse(List.of())));
        } catch (PlacementDetector.MetadataUnavailable e) {
            return Optional.empty();
        }
    }
}
