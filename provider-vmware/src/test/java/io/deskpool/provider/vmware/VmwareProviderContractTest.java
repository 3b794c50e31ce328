package io.deskpool.provider.vmware;

import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.testing.ProviderContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The provider contract against the stand-in vmrun (a script, not VMware, which cannot run on this machine) and
 * stand-in guest services. "Gone" is a vmrun that was removed under a running provider; "killed" is a VM powered
 * off behind the provider's back, whose guest services stop answering with it.
 */
class VmwareProviderContractTest extends ProviderContract {
    @TempDir
    static Path tmp;
    private static VmwareTestBed bed;

    private static synchronized VmwareTestBed bed() throws IOException {
        if (bed == null) {
            bed = VmwareTestBed.in(tmp.resolve("bed"));
        }
        return bed;
    }

    @AfterAll
    static void closeBed() throws IOException {
        if (bed != null) {
            bed.close();
        }
    }

    @Override
    protected Provider createProvider(String ownerId) throws IOException {
        return bed().provider(bed().settings(), ownerId, "Linux");
    }

    @Override
    protected Provider createProviderWithBackendGone(String ownerId) throws IOException {
        VmwareTestBed gone = VmwareTestBed.in(tmp.resolve("gone"));
        Provider provider = gone.provider(gone.settings(), ownerId, "Linux");
        Files.delete(gone.vmrun.executable());
        gone.close();
        return provider;
    }

    @Override
    protected void killBehindTheProvidersBack(VmHandle vm) throws Exception {
        bed().vmrun.run("stop", vm.backendId(), "hard");
        bed().guest.close();
    }
}
