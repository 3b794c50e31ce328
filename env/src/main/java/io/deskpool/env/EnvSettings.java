package io.deskpool.env;

import io.deskpool.core.settings.Setting;

import java.util.List;

/** The settings of the env API ({@code /env/reset}, {@code /env/step}, {@code /env/evaluate}). */
public final class EnvSettings {
    public static final Setting ACQUIRE_WAIT = Setting.of("ENV_ACQUIRE_WAIT", "300",
            "Seconds a session's first /env/reset waits for a free VM before answering 503 (a request's "
                    + "wait_seconds may ask for up to ACQUIRE_MAX_WAIT)");
    public static final Setting RESET_TIMEOUT = Setting.of("ENV_RESET_TIMEOUT", "600",
            "Seconds a reset may spend after it has a VM: reachability check plus the task's config steps");
    public static final Setting READY_TIMEOUT = Setting.of("ENV_READY_TIMEOUT", "100",
            "Seconds reset polls the VM's GET /terminal before setup (OSWorld: 20 tries 5 s apart)");
    public static final Setting STEP_TIMEOUT = Setting.of("ENV_STEP_TIMEOUT", "60",
            "Deadline of one /env/step (action, pause, observation); a VM that misses it is replaced");
    public static final Setting EVALUATE_TIMEOUT = Setting.of("ENV_EVALUATE_TIMEOUT", "300",
            "Deadline of one /env/evaluate (postconfig, getters, metrics, external evaluator)");
    public static final Setting STEP_PAUSE = Setting.of("ENV_STEP_PAUSE", "0.5",
            "Seconds to wait after an action before the screenshot (OSWorld's step pause); a step's 'pause' overrides");
    public static final Setting MAX_STEPS = Setting.of("ENV_MAX_STEPS", "15",
            "Steps per episode; the step that reaches it returns done=true (a reset's 'max_steps' overrides)");
    public static final Setting OBSERVATION = Setting.of("ENV_SCREENSHOT", "base64",
            "How observations carry the screenshot: base64 (PNG in the JSON) or url (a /env/screenshot link)");
    public static final Setting SETUP_STRICT = Setting.of("ENV_SETUP_STRICT", "true",
            "true = any failed config step fails the reset; false = OSWorld's leniency (launch, execute, "
                    + "activate_window, close_window and change_wallpaper failures are reported and skipped)");
    public static final Setting CLIENT_PASSWORD = new Setting("ENV_CLIENT_PASSWORD", "password",
            "The VM user's password, put into config commands for {CLIENT_PASSWORD} (OSWorld's client_password)",
            List.of(), true);
    public static final Setting UPLOAD_DIR = Setting.of("ENV_UPLOAD_DIR", "",
            "Host directory that upload_file's local_path may name (relative paths resolve inside it); "
                    + "empty = upload_file only with inline content");
    public static final Setting CACHE_DIR = Setting.of("ENV_CACHE_DIR", "",
            "Where files fetched by 'download' steps and cloud_file getters are cached; empty = STATE_DIR/env-cache");
    public static final Setting DOWNLOAD_MAX_MB = Setting.of("ENV_DOWNLOAD_MAX_MB", "1024",
            "Largest file a 'download' step or cloud_file getter fetches, in MB");
    public static final Setting EXTERNAL_EVALUATOR = Setting.of("EXTERNAL_EVALUATOR", "",
            "Command for metrics and getters Deskpool lacks (OSWorld's Python ones): it gets a JSON request on stdin "
                    + "and prints a score; empty = such tasks fail with 'unsupported metric'");
    public static final Setting EXTERNAL_EVALUATOR_TIMEOUT = Setting.of("EXTERNAL_EVALUATOR_TIMEOUT", "120",
            "Seconds one external evaluator run may take");

    public static final List<Setting> ALL = List.of(ACQUIRE_WAIT, RESET_TIMEOUT, READY_TIMEOUT, STEP_TIMEOUT,
            EVALUATE_TIMEOUT, STEP_PAUSE, MAX_STEPS, OBSERVATION, SETUP_STRICT, CLIENT_PASSWORD, UPLOAD_DIR, CACHE_DIR,
            DOWNLOAD_MAX_MB, EXTERNAL_EVALUATOR, EXTERNAL_EVALUATOR_TIMEOUT);

    private EnvSettings() {
    }
}
