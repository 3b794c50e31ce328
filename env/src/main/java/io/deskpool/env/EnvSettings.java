package io.deskpool.env;

import io.deskpool.core.settings.Setting;

import java.util.List;

/** The settings of the episode engine (resets, steps, evaluation, plugins), whichever API drives it. */
public final class EnvSettings {
    public static final Setting RESET_WAIT = Setting.of("ENV_RESET_WAIT", "1200",
            "Seconds a reset waits for a free VM (resets queue first come first served, also behind the token's "
                    + "quota) before answering 503; 1200 is the ARPO client's reset timeout").withAliases("ENV_ACQUIRE_WAIT");
    public static final Setting RESET_TIMEOUT = Setting.of("ENV_RESET_TIMEOUT", "600",
            "Seconds a reset may spend after it has a VM: reachability check plus the task's config steps");
    public static final Setting READY_TIMEOUT = Setting.of("ENV_READY_TIMEOUT", "100",
            "Seconds reset polls the VM's GET /terminal before setup (OSWorld: 20 tries 5 s apart)");
    public static final Setting STEP_TIMEOUT = Setting.of("ENV_STEP_TIMEOUT", "50",
            "Deadline of one step (actions, pauses, observation), below the ENVS client's 60 s; a VM that misses it is replaced");
    public static final Setting EVALUATE_TIMEOUT = Setting.of("ENV_EVALUATE_TIMEOUT", "280",
            "Deadline of one evaluation (postconfig, getters, metrics, external evaluator), below the ARPO client's 300 s");
    public static final Setting STEP_PAUSE = Setting.of("ENV_STEP_PAUSE", "0.5",
            "Seconds to wait after each action before the screenshot (OSWorld's step pause); a /v1 step's 'pause' overrides");
    public static final Setting MAX_STEPS = Setting.of("ENV_MAX_STEPS", "16",
            "Actions per episode (ARPO's 16); the step that reaches it ends the episode (a /v1 reset's 'max_steps' overrides)");
    public static final Setting ACTION_PARSER = Setting.of("ENV_ACTION_PARSER", "uitars",
            "Action parser plugin that reads /env/step predictions: uitars (UI-TARS / Qwen2.5-VL 'Thought: ... Action: ...'), "
                    + "pyautogui (code, or WAIT/DONE/FAIL), computer_13 (OSWorld's action dicts), or a plugin jar's");
    public static final Setting COORDINATES = Setting.of("ENV_COORDINATES", "qwen25vl",
            "How uitars predictions give points: qwen25vl (absolute on the smart-resized screenshot) or relative1000 "
                    + "(per mille of the screen)");
    public static final Setting STEP_REWARD = Setting.of("ENV_STEP_REWARD", "format",
            "Step reward plugin giving format_reward: format (-1.0 for a prediction with no parsable action, else 0.0) "
                    + "or a plugin jar's");
    public static final Setting IDLE_RELEASE = Setting.of("ENV_IDLE_RELEASE", "1800",
            "Seconds without a call after which a session's VM goes back to the pool (until then the server keeps its "
                    + "lease alive); the next reset takes a clean VM");
    public static final Setting JPEG_QUALITY = Setting.of("ENV_JPEG_QUALITY", "90",
            "JPEG quality (1-100) of the screenshots in /env/* chat messages");
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
            "Largest file a 'download' step or cloud_file getter fetches, and largest file a metric reads, in MB");
    public static final Setting DOWNLOAD_ALLOW = Setting.of("ENV_DOWNLOAD_ALLOW", "",
            "Internal addresses that 'download' steps and cloud_file getters may fetch from anyway: IPv4 addresses, CIDRs "
                    + "and host names, comma-separated (a LAN file server); empty = the internet only (loopback, private, "
                    + "link-local and metadata, CGNAT and this host's own addresses are refused)");
    public static final Setting CACHE_MAX_MB = Setting.of("ENV_CACHE_MAX_MB", "10240",
            "Most MB the download cache keeps (each caller's files apart); least recently used files go first");
    public static final Setting CACHE_TTL = Setting.of("ENV_CACHE_TTL", "86400",
            "Seconds a downloaded file is reused before it is fetched again");
    public static final Setting METRIC_TIMEOUT = Setting.of("ENV_METRIC_TIMEOUT", "60",
            "Seconds one built-in or plugin metric (or getter) may run, within ENV_EVALUATE_TIMEOUT; past it the "
                    + "evaluation fails and the metric's thread is interrupted (a plugin that ignores that keeps its thread)");
    public static final Setting EXTERNAL_EVALUATOR = Setting.of("EXTERNAL_EVALUATOR", "",
            "Command for metrics and getters Deskpool lacks (OSWorld's Python ones): it gets a JSON request on stdin "
                    + "and prints a score; empty = such tasks fail with 'unsupported metric'");
    public static final Setting EXTERNAL_EVALUATOR_TIMEOUT = Setting.of("EXTERNAL_EVALUATOR_TIMEOUT", "120",
            "Seconds one external evaluator run may take");

    public static final List<Setting> ALL = List.of(RESET_WAIT, RESET_TIMEOUT, READY_TIMEOUT, STEP_TIMEOUT,
            EVALUATE_TIMEOUT, STEP_PAUSE, MAX_STEPS, ACTION_PARSER, COORDINATES, STEP_REWARD, IDLE_RELEASE, JPEG_QUALITY,
            SETUP_STRICT, CLIENT_PASSWORD, UPLOAD_DIR, CACHE_DIR, DOWNLOAD_MAX_MB, DOWNLOAD_ALLOW, CACHE_MAX_MB, CACHE_TTL,
            METRIC_TIMEOUT, EXTERNAL_EVALUATOR, EXTERNAL_EVALUATOR_TIMEOUT);

    private EnvSettings() {
    }
}
