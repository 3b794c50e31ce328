package io.deskpool.server;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.provider.ProviderRegistry;
import io.deskpool.core.settings.SettingsLoader;

/** The {@code deskpool.jar} entry point: no arguments start the server; commands do one thing and exit. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        String command = args.length == 0 ? "serve" : args[0];
        try {
            int status = switch (command) {
                case "serve" -> serve();
                case "providers" -> ProvidersCommand.run(ProviderRegistry.load(), SettingsLoader.fromProcess(), System.out);
                case "settings" -> SettingsCommand.run(ProviderRegistry.load(), System.out);
                case "bench" -> io.deskpool.server.env.bench.BenchCommand.run(java.util.Arrays.asList(args).subList(1, args.length), System.out);
                case "image" -> ImagePullCommand.run(java.util.List.of(args).subList(1, args.length), SettingsLoader.fromProcess(), System.out, System.err);
                case "chaos" -> io.deskpool.server.chaos.ChaosCommand.run(java.util.List.of(args).subList(1, args.length), System.out, System.err);
                case "doctor" -> DoctorCommand.run(java.util.List.of(args).subList(1, args.length), ProviderRegistry.load(), SettingsLoader.fromProcess(), System.out);
                case "help", "--help", "-h" -> usage(0);
                default -> {
                    System.err.println("Unknown command '" + command + "'.");
                    yield usage(2);
                }
            };
            System.exit(status);
        } catch (DeskpoolException e) {
            System.err.println("deskpool: " + e.getMessage());
            System.exit(2);
        }
    }

    private static int serve() {
        DeskpoolServer server = DeskpoolServer.start(SettingsLoader.fromProcess(), java.time.Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "deskpool-shutdown"));
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static int usage(int status) {
        System.out.println("""
                Usage: java -jar deskpool.jar [COMMAND]
                  (none)      start the server (settings from the environment, .env, configs/config.yaml)
                  providers   list the VM providers found and whether each can run on this host
                  settings    print every setting with its default and meaning (the .env.example)
                  bench       N rollout workers against M VMs through the env API (bench --help)
                  chaos       a soak under random faults (VMs killed or frozen, server killed, disk full) that
                              checks no VM is shared or handed out dirty, quotas, lost leases told, /status
                              [--minutes M] [--clients N] [--vms V] [--provider qemu|docker] [--json] (chaos --help)
                  doctor      check the host and the settings for the selected provider [--provider NAME]
                  image pull  download and unzip OSWorld's VM image, print its PATH_TO_VM
                              [--os ubuntu|windows] [--dest DIR] [--url URL] [--keep-archive]
                  help        this text""");
        return status;
    }
}
