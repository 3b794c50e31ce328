package io.deskpool.env;

/**
 * A call to the VM's in-VM server (or its CDP endpoint) that did not succeed. {@link Kind#UNREACHABLE} and
 * {@link Kind#TIMEOUT} mean the VM itself is in doubt; {@link Kind#REFUSED} means it answered with an error, and
 * {@link Kind#STOPPED_AT_DEADLINE} that it answered with an error once the time we gave the command was up (the
 * in-VM server kills a command at the timeout it is sent).
 */
final class GuestException extends RuntimeException {
    enum Kind { UNREACHABLE, TIMEOUT, REFUSED, STOPPED_AT_DEADLINE }

    private final Kind kind;
    private final int status;

    GuestException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
    }

    static GuestException refused(String what, int status, String body) {
        return new GuestException(Kind.REFUSED, status, what + " answered HTTP " + status + shown(body), null);
    }

    static GuestException stoppedAtDeadline(String what, int status, String body, long seconds) {
        return new GuestException(Kind.STOPPED_AT_DEADLINE, status, what + " was stopped by the VM after the "
                + seconds + " s it was given, HTTP " + status + shown(body), null);
    }

    private static String shown(String body) {
        String shown = body == null ? "" : body.strip();
        if (shown.length() > 300) {
            shown = shown.substring(0, 300) + "...";
        }
        return shown.isEmpty() ? "" : ": " + shown;
    }

    Kind kind() {
        return kind;
    }

    /** The HTTP status the guest answered with, 0 when it did not answer. */
    int status() {
        return status;
    }

    /** Whether the VM should be considered lost (no answer, or none in time). */
    boolean vmInDoubt() {
        return kind == Kind.UNREACHABLE || kind == Kind.TIMEOUT;
    }
}
