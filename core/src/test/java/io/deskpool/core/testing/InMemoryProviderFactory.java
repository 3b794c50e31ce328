package io.deskpool.core.testing;

import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.HostSupport;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.ProviderContext;
import io.deskpool.core.spi.ProviderFactory;

/** Registers the in-memory provider under the name {@code memory}, for tests only. */
public final class InMemoryProviderFactory implements ProviderFactory {
    @Override
    public String name() {
        return "memory";
    }

    @Override
    public String description() {
        return "In-memory VMs for tests (test code only)";
    }

    @Override
    public HostSupport hostSupport(Settings settings) {
        return HostSupport.available("always (it runs nothing)");
    }

    @Override
    public Provider create(ProviderContext context) {
        var provider = new InMemoryProvider(new InMemoryProvider.InMemoryBackend(), context.ownerId(), context.clock());
        // A test-only switch (not a declared setting): servers in tests that need a provider that cannot fork.
        if (context.settings().find("MEMORY_FORK").filter("off"::equals).isPresent()) {
            provider.withoutFork("the in-memory test provider was started with MEMORY_FORK=off");
        }
        return provider;
    }
}
