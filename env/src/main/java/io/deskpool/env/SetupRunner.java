package io.deskpool.env;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.env.spi.EvalFiles;
import io.deskpool.env.spi.GuestAccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a task's config steps (and an evaluator's postconfig) through the VM's in-VM server, as OSWorld's
 * SetupController does. A VM that stops answering propagates as a {@link GuestException} (the session replaces
 * it); a step the VM refuses fails the reset, except, when setup is not strict, the step types OSWorld itself
 * only logs (launch, execute, command, activate_window, close_window, change_wallpaper).
 */
final class SetupRunner {
    private static final Logger log = LoggerFactory.getLogger(SetupRunner.class);
    private static final Set<String> LENIENT_IN_OSWORLD = Set.of("launch", "execute", "command", "activate_window",
            "close_window", "change_wallpaper");

    /** What setup commands may reference: OSWorld's {CLIENT_PASSWORD} and screen placeholders. */
    record Placeholders(String clientPassword, int screenWidth, int screenHeight) {
        String apply(String s) {
            return s.replace("{CLIENT_PASSWORD}", clientPassword)
                    .replace("{SCREEN_WIDTH_HALF}", String.valueOf(screenWidth / 2))
                    .replace("{SCREEN_HEIGHT_HALF}", String.valueOf(screenHeight / 2))
                    .replace("{SCREEN_WIDTH}", String.valueOf(screenWidth))
                    .replace("{SCREEN_HEIGHT}", String.valueOf(screenHeight));
        }
    }

    private final FileDownloader downloader;
    private final Optional<Path> uploadDir;
    private final boolean strict;
    private final Placeholders placeholders;

    SetupRunner(FileDownloader downloader, Optional<Path> uploadDir, boolean strict, Placeholders placeholders) {
        this.downloader = downloader;
        this.uploadDir = uploadDir;
        this.strict = strict;
        this.placeholders = placeholders;
    }

    /** Runs {@code steps} for {@code owner} (the caller's token: the download cache is kept per caller). */
    List<SetupReport> run(List<SetupStep> steps, String owner, GuestClient guest, Deadline d) {
        List<SetupReport> reports = new ArrayList<>();
        for (SetupStep step : steps) {
            long start = System.nanoTime();
            if (d.expired()) {
                throw failed(step, "the reset's deadline (" + d.budget().toSeconds() + " s, ENV_RESET_TIMEOUT) passed before it ran", null);
            }
            String detail;
            boolean ok = true;
            try {
                detail = runOne(step, owner, guest, d);
            } catch (GuestException e) {
                if (e.vmInDoubt() && !step.type().equals("chrome_open_tabs")) {
                    throw e;
                }
                if (strict || !LENIENT_IN_OSWORLD.contains(step.type())) {
                    throw failed(step, e.getMessage(), e);
                }
                ok = false;
                detail = e.getMessage();
                log.warn("Setup {} ({}) failed, continuing as OSWorld does: {}", step.where(), step.type(), e.getMessage());
            }
            reports.add(new SetupReport(step.where(), step.type(), Duration.ofNanos(System.nanoTime() - start), ok, detail));
        }
        return List.copyOf(reports);
    }

    private String runOne(SetupStep step, String owner, GuestClient guest, Deadline d) {
        ObjectNode p = step.parameters();
        switch (step.type()) {
            case "execute", "command" -> {
                return execute(step, guest, d);
            }
            case "launch" -> {
                JsonNode command = p.get("command");
                boolean shell = p.path("shell").asBoolean(false);
                if (!shell && command.isTextual() && command.asText().strip().contains(" ")) {
                    // OSWorld splits a non-shell string command on spaces.
                    ArrayNode words = JsonNodeFactory.instance.arrayNode();
                    for (String w : command.asText().strip().split("\\s+")) {
                        words.add(w);
                    }
                    command = words;
                }
                ObjectNode body = JsonNodeFactory.instance.objectNode();
                body.set("command", command);
                body.put("shell", shell);
                return guest.postSetup("/setup/launch", body, Duration.ofSeconds(60), d).strip();
            }
            case "sleep" -> {
                Duration want = Duration.ofMillis(Math.round(p.get("seconds").asDouble() * 1000));
                if (!d.sleep(want)) {
                    throw failed(step, "sleeping " + want.toMillis() / 1000.0 + " s would pass the reset's deadline", null);
                }
                return "";
            }
            case "open" -> {
                return guest.postSetup("/setup/open_file", object("path", p.get("path").asText()), Duration.ofSeconds(1810), d).strip();
            }
            case "change_wallpaper" -> {
                return guest.postSetup("/setup/change_wallpaper", object("path", p.get("path").asText()), Duration.ofSeconds(60), d).strip();
            }
            case "activate_window", "close_window" -> {
                ObjectNode body = object("window_name", p.get("window_name").asText());
                body.put("strict", p.path("strict").asBoolean(false));
                body.put("by_class", p.path("by_class").asBoolean(false));
                return guest.postSetup("/setup/" + step.type(), body, Duration.ofSeconds(60), d).strip();
            }
            case "download" -> {
                for (JsonNode f : p.get("files")) {
                    try (DownloadCache.Entry cached = downloader.fetch(owner, f.get("url").asText(), d)) {
                        guest.upload(f.get("path").asText(), cached.path(), d);
                    }
                }
                return p.get("files").size() + " file(s)";
            }
            case "upload_file" -> {
                for (JsonNode f : p.get("files")) {
                    upload(step, f, guest, d);
                }
                return p.get("files").size() + " file(s)";
            }
            case "chrome_open_tabs" -> {
                for (JsonNode url : p.get("urls_to_open")) {
                    openTab(url.asText(), guest, d);
                }
                return p.get("urls_to_open").size() + " tab(s)";
            }
            default -> throw new IllegalStateException("no runner for " + step.type());
        }
    }

    /** OSWorld's {@code _execute_setup}: placeholders, and an optional {@code until} retried (5 failures at most). */
    private String execute(SetupStep step, GuestClient guest, Deadline d) {
        ObjectNode p = step.parameters();
        JsonNode command = p.get("command");
        if (command.isTextual()) {
            command = JsonNodeFactory.instance.textNode(placeholders.apply(command.asText()));
        } else {
            ArrayNode words = JsonNodeFactory.instance.arrayNode();
            command.forEach(w -> words.add(placeholders.apply(w.asText())));
            command = words;
        }
        boolean shell = p.path("shell").asBoolean(false);
        JsonNode until = p.path("until");
        if (!until.isObject() || until.isEmpty()) {
            GuestAccess.CommandOutput out = guest.execute("/setup/execute", command, shell, d);
            return "returncode " + out.returncode();
        }
        int failures = 0;
        while (true) {
            try {
                GuestAccess.CommandOutput out = guest.execute("/setup/execute", command, shell, d);
                if ((until.has("returncode") && out.returncode() == until.get("returncode").asInt())
                        || (until.has("stdout") && out.output().contains(until.get("stdout").asText()))
                        || (until.has("stderr") && out.error().contains(until.get("stderr").asText()))) {
                    return "returncode " + out.returncode();
                }
            } catch (GuestException e) {
                if (e.vmInDoubt() || ++failures >= 5) {
                    throw e;
                }
            }
            if (!d.sleep(Duration.ofMillis(300))) {
                throw failed(step, "its 'until' condition did not hold before the reset's deadline", null);
            }
        }
    }

    private void upload(SetupStep step, JsonNode f, GuestClient guest, Deadline d) {
        String guestPath = f.get("path").asText();
        if (f.path("local_path").isTextual()) {
            Path dir = uploadDir.orElseThrow(() -> EnvFailure.UPLOAD_DIR_NOT_SET.exception(step.where()
                    + " (upload_file): local_path needs ENV_UPLOAD_DIR to be set on the server (or send 'content'/'content_base64')"));
            guest.upload(guestPath, uploadable(step, dir, f.get("local_path").asText()), d);
            return;
        }
        Path tmp = null;
        try {
            byte[] bytes = f.path("content").isTextual()
                    ? f.get("content").asText().getBytes(StandardCharsets.UTF_8)
                    : Base64.getDecoder().decode(f.get("content_base64").asText());
            tmp = Files.createTempFile("deskpool-upload-", ".bin");
            Files.write(tmp, bytes);
            guest.upload(guestPath, tmp, d);
        } catch (IllegalArgumentException e) {
            throw EnvFailure.INVALID_TASK_CONFIG.exception(step.where() + " (upload_file): content_base64 is not base64", e);
        } catch (IOException e) {
            throw failed(step, "could not stage the file: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temp file; the OS cleans it eventually
                }
            }
        }
    }

    /**
     * The regular file {@code localPath} names inside ENV_UPLOAD_DIR, links resolved: a path out of the directory is
     * refused by its text alone, and one that leads out through a link, or to no regular file, with the same words.
     */
    private static Path uploadable(SetupStep step, Path dir, String localPath) {
        Path local;
        try {
            local = dir.resolve(localPath).toAbsolutePath().normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw notInUploadDir(step, localPath);
        }
        if (!local.startsWith(dir)) {
            throw notInUploadDir(step, localPath);
        }
        try {
            Path real = local.toRealPath();
            if (real.startsWith(dir.toRealPath()) && Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                return real;
            }
        } catch (IOException e) {
            // missing or unreadable: refused below, in the same words
        }
        throw notInUploadDir(step, localPath);
    }

    private static DeskpoolException notInUploadDir(SetupStep step, String localPath) {
        return EnvFailure.INVALID_TASK_CONFIG.exception(step.where() + " (upload_file): local_path '"
                + EvalFiles.Refused.shown(localPath) + "' is not a file inside ENV_UPLOAD_DIR");
    }

    /** Chrome may still be starting: retry for up to 30 s, as OSWorld retries its CDP connection. */
    private static void openTab(String url, GuestClient guest, Deadline d) {
        Deadline tries = Deadline.after(d.cap(Duration.ofSeconds(30)));
        while (true) {
            try {
                guest.openTab(url, d);
                return;
            } catch (GuestException e) {
                if (tries.expired() || !tries.sleep(Duration.ofSeconds(1))) {
                    throw e;
                }
            }
        }
    }

    private static ObjectNode object(String key, String value) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put(key, value);
        return o;
    }

    private static DeskpoolException failed(SetupStep step, String why, Throwable cause) {
        return EnvFailure.SETUP_FAILED.exception("setup " + step.where() + " (" + step.type() + ") failed: " + why,
                Map.of("step", step.where(), "step_type", step.type()), cause);
    }
}
