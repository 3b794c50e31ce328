package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Every way an env call fails, each with the {@link ErrorCode} that decides its HTTP status. A failure travels as
 * a {@link DeskpoolException} whose details carry {@code reason} (this constant's lower-case name), so clients can
 * tell "reset the session" from "retry" without reading messages, and the server renders it in its one error
 * mapping like any other failure.
 */
public enum EnvFailure {
    /** A request body or field that is not what the API takes. */
    INVALID_REQUEST(ErrorCode.INVALID_ARGUMENT),
    /** A task_config that is not an OSWorld task, or a setup step without the parameters its type needs. */
    INVALID_TASK_CONFIG(ErrorCode.INVALID_ARGUMENT),
    /** A setup step type this server does not run. */
    UNKNOWN_SETUP_STEP(ErrorCode.INVALID_ARGUMENT),
    /** An evaluator that is not OSWorld's shape. */
    INVALID_EVALUATOR(ErrorCode.INVALID_ARGUMENT),
    /** A metric or getter this server lacks, with no external evaluator configured: never a silent 0. */
    UNSUPPORTED_METRIC(ErrorCode.UNSUPPORTED),
    /** Evaluate on a task without an evaluator. */
    NO_EVALUATOR(ErrorCode.INVALID_ARGUMENT),
    /** An upload_file step with a local_path while ENV_UPLOAD_DIR is not set. */
    UPLOAD_DIR_NOT_SET(ErrorCode.INVALID_ARGUMENT),
    /** An action the chosen parser could not read (on APIs that refuse it rather than end the episode). */
    INVALID_ACTION(ErrorCode.INVALID_ARGUMENT),
    /** A parser name no plugin on the class path has. */
    UNKNOWN_PARSER(ErrorCode.INVALID_ARGUMENT),
    /** A reset for a token whose quota is 0 VMs (TOKENS): it would wait forever, so it is refused at once. */
    NO_QUOTA(ErrorCode.QUOTA_EXCEEDED),
    /**
     * A reset waited its longest (ENV_RESET_WAIT, or a /v1 reset's wait_seconds) for a free VM or for its token's
     * quota and got neither: nothing is wrong with the request, retry the reset.
     */
    RESET_WAIT_EXPIRED(ErrorCode.ACQUIRE_TIMEOUT),
    /** The server stopped the call while it waited (for a VM, a session, the slots to fork): retry. */
    INTERRUPTED(ErrorCode.NOT_READY),
    /** The server is shutting down and hands out no more VMs: retry once it is back. */
    SHUTTING_DOWN(ErrorCode.POOL_CLOSED),
    /** No such session (closed, or never opened). */
    UNKNOWN_SESSION(ErrorCode.NOT_FOUND),
    /** The session went away: no call for LEASE_TTL and its VM was reclaimed. */
    SESSION_EXPIRED(ErrorCode.NOT_FOUND),
    /** Another token's session. */
    NOT_SESSION_OWNER(ErrorCode.FORBIDDEN),
    /** Another call on the session held it for too long. */
    SESSION_BUSY(ErrorCode.NOT_READY),
    /** A step (or screenshot) on a session that has no episode: reset it first. */
    NOT_RESET(ErrorCode.CONFLICT),
    /** A step after the episode ended (done, failed, max steps, evaluated): evaluate or reset. */
    EPISODE_DONE(ErrorCode.CONFLICT),
    /** The session's VM was given back after ENV_IDLE_RELEASE without a call. */
    VM_RELEASED(ErrorCode.CONFLICT),
    /** Evaluate while there is no episode to evaluate yet (no reset, or the last one failed): retry after a reset. */
    EPISODE_NOT_READY(ErrorCode.NOT_READY),
    /** The VM a reset got did not answer (it is being replaced): retry the reset. */
    VM_NOT_READY(ErrorCode.NOT_READY),
    /** The VM stopped answering; it was marked broken and is being replaced. */
    VM_LOST(ErrorCode.VM_LOST),
    /** A call on the VM ran past its deadline. */
    DEADLINE_EXCEEDED(ErrorCode.VM_LOST),
    /** The VM stopped an action at the step's deadline (the VM itself is fine). */
    ACTION_TIMED_OUT(ErrorCode.PROVIDER_ERROR),
    /** The VM answered an action with an error. */
    ACTION_FAILED(ErrorCode.PROVIDER_ERROR),
    /** The VM answered another call (screenshot, evaluation) with an error. */
    GUEST_REFUSED(ErrorCode.PROVIDER_ERROR),
    /** A setup step the VM refused. */
    SETUP_FAILED(ErrorCode.PROVIDER_ERROR),
    /** A file a setup step or getter fetches on the host could not be fetched. */
    DOWNLOAD_FAILED(ErrorCode.PROVIDER_ERROR),
    /**
     * A URL the host must not fetch for a caller: not http(s), or leading (maybe through a redirect) to an internal
     * address or one of the host's own (ENV_DOWNLOAD_ALLOW opens named ones).
     */
    DOWNLOAD_REFUSED(ErrorCode.FORBIDDEN),
    /** A getter refused its config (a 'dest' like ../../x): the task is wrong. */
    GETTER_CONFIG(ErrorCode.INVALID_ARGUMENT),
    /** A getter failed. */
    GETTER_FAILED(ErrorCode.PROVIDER_ERROR),
    /**
     * A metric asked for a file that is not one the evaluation fetched into its own directory (a host path, a
     * {@code ../} path, a link out, a device): refused alike whether or not such a host file exists.
     */
    FILE_REFUSED(ErrorCode.FORBIDDEN),
    /** A metric or getter ran past its deadline (ENV_METRIC_TIMEOUT, or what was left of ENV_EVALUATE_TIMEOUT). */
    METRIC_TIMED_OUT(ErrorCode.PROVIDER_ERROR),
    /** Every evaluation thread is taken (by runaway metrics that did not stop at their deadline): retry later. */
    EVALUATION_BUSY(ErrorCode.NOT_READY),
    /** A metric could not score its inputs (the task's expected values do not fit it). */
    METRIC_FAILED(ErrorCode.INVALID_ARGUMENT),
    /** A metric answered a score that is not a number (NaN, infinite): a bug in the metric, never a score. */
    METRIC_INVALID_SCORE(ErrorCode.INTERNAL),
    /** An expected getter found nothing to compare with: the task is wrong, not the episode. */
    EXPECTED_MISSING(ErrorCode.INVALID_ARGUMENT),
    /** The EXTERNAL_EVALUATOR command failed or printed no score. */
    EXTERNAL_EVALUATOR_FAILED(ErrorCode.PROVIDER_ERROR),
    /** The ENV_STEP_REWARD plugin threw or answered a reward that is not a number: a bug in the plugin. */
    STEP_REWARD_FAILED(ErrorCode.INTERNAL);

    private final ErrorCode code;

    EnvFailure(ErrorCode code) {
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    /** The {@code reason} clients see. */
    public String reason() {
        return name().toLowerCase(Locale.ROOT);
    }

    public DeskpoolException exception(String message) {
        return exception(message, Map.of(), null);
    }

    public DeskpoolException exception(String message, Throwable cause) {
        return exception(message, Map.of(), cause);
    }

    /** {@code details} adds context (a step's type, a metric's name) next to the reason. */
    public DeskpoolException exception(String message, Map<String, String> details, Throwable cause) {
        requireNonNull(details, "details is null");
        var all = new HashMap<>(details);
        all.put("reason", reason());
        return new DeskpoolException(code, message, all, cause);
    }

    /** Whether {@code e} is this failure. */
    public boolean is(DeskpoolException e) {
        return reason().equals(e.details().get("reason"));
    }
}
