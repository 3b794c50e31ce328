package io.deskpool.env;

/**
 * A call to the VM's in-VM server (or its CDP endpoint) that did not succeed. {@link Kind#UNREACHABLE} and
 * {@link Kind#TIMEOUT} mean the VM itself is in doubt; {@link Kind#REFUSED} means it answered with an error.
 */
final class GuestException extends RuntimeException {
    enum Kind { UNREACHABLE, TIMEOUT, REFUSED }

    private final Kind kind;
    private final int status;

    GuestException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
    }

    static GuestException refused(String what, int status, String body) {
        String shown = body == null ? "" : body.strip();
        if (shown.length() > 300) {
            shown = shown.substring(0, 300) + "...";
        }
        return new GuestException(Kind.REFUSED, status, what + " answered HTTP " + status
                + (shown.isEmpty() ? "" : ": " + shown), null);
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
        return kind != Kind.REFUSED;
    }
}
