package io.deskpool.server;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.settings.Settings;
import io.deskpool.server.image.DownloadPolicy;
import io.deskpool.server.image.ImagePull;
import io.deskpool.server.image.ImageSettings;
import io.deskpool.server.image.OsImage;

import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * {@code deskpool image pull [--os ubuntu|windows] [--dest DIR] [--url URL] [--keep-archive]}: downloads
 * OSWorld's VM image zip from HF_ENDPOINT (or URL), unzips and checks it, and prints {@code PATH_TO_VM=<path>}
 * as the last line of standard output. Progress and notes go to standard error.
 */
final class ImagePullCommand {
    private static final String USAGE = "Usage: java -jar deskpool.jar image pull [--os ubuntu|windows] [--dest DIR]"
            + " [--url URL] [--keep-archive]";
    private static final String HELP = USAGE + """

            Downloads OSWorld's VM image (resumable), unzips it, checks the qcow2 header and prints PATH_TO_VM=... last.
              --os ubuntu|windows  which image (default ubuntu)
              --dest DIR           where to put it (default: the setting %s, %s)
              --url URL            download from this URL instead (default: under the setting %s, %s)
              --keep-archive       keep the .zip after unzipping""".formatted(ImageSettings.IMAGE_DIR.name(),
            ImageSettings.IMAGE_DIR.defaultValue(), ImageSettings.HF_ENDPOINT.name(), ImageSettings.HF_ENDPOINT.defaultValue());

    private ImagePullCommand() {
    }

    static int run(List<String> args, Settings settings, PrintStream out, PrintStream err) {
        return run(args, settings, out, err, DownloadPolicy.DEFAULT, Clock.systemUTC());
    }

    static int run(List<String> args, Settings settings, PrintStream out, PrintStream err, DownloadPolicy policy,
                   Clock clock) {
        if (args.isEmpty() || !args.get(0).equals("pull")) {
            err.println(USAGE);
            return 2;
        }
        OsImage os = OsImage.UBUNTU;
        Path dest = settings.path(ImageSettings.IMAGE_DIR);
        String url = null;
        boolean keepArchive = false;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            boolean hasValue = i + 1 < args.size();
            switch (a) {
                case "--help", "-h" -> {
                    out.println(HELP);
                    return 0;
                }
                case "--os" -> {
                    if (!hasValue || OsImage.byKey(args.get(i + 1)).isEmpty()) {
                        err.println("--os must be ubuntu or windows\n" + USAGE);
                        return 2;
                    }
                    os = OsImage.byKey(args.get(++i)).orElseThrow();
                }
                case "--dest" -> {
                    if (!hasValue) {
                        err.println(USAGE);
                        return 2;
                    }
                    dest = Path.of(args.get(++i));
                }
                case "--url" -> {
                    if (!hasValue) {
                        err.println(USAGE);
                        return 2;
                    }
                    url = args.get(++i);
                }
                case "--keep-archive" -> keepArchive = true;
                default -> {
                    err.println("Unknown option '" + a + "'\n" + USAGE);
                    return 2;
                }
            }
        }
        URI source;
        try {
            source = new URI(url != null ? url : os.urlUnder(settings.string(ImageSettings.HF_ENDPOINT)));
            if (source.getScheme() == null || !source.getScheme().matches("https?")) {
                throw new URISyntaxException(source.toString(), "not an http(s) URL");
            }
        } catch (URISyntaxException e) {
            err.println("image pull: the download URL is not usable: " + e.getMessage()
                    + " (check HF_ENDPOINT or --url)");
            return 2;
        }
        try {
            ImagePull.Result result = new ImagePull(policy, err, clock).pull(os, source, dest, keepArchive);
            err.println(result.alreadyPresent() ? "Nothing downloaded. Use:" : "Done. Use:");
            out.println("PATH_TO_VM=" + result.image());
            return 0;
        } catch (DeskpoolException e) {
            err.println("image pull failed: " + e.getMessage());
            return 1;
        }
    }
}
