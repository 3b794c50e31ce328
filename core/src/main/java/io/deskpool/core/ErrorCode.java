package io.deskpool.core;

/**
 * Every failure Deskpool reports, grouped by {@link ErrorKind}. The names are stable: clients see them in
 * JSON error bodies as lower-case strings.
 */
public enum ErrorCode {
    INVALID_ARGUMENT(ErrorKind.USER),
    INVALID_SETTING(ErrorKind.USER),
    UNKNOWN_PROVIDER(ErrorKind.USER),
    UNKNOWN_LEASE(ErrorKind.NOT_FOUND),
    UNKNOWN_VM(ErrorKind.NOT_FOUND),
    UNKNOWN_SNAPSHOT(ErrorKind.USER),
    NOT_LEASE_OWNER(ErrorKind.FORBIDDEN),
    UNAUTHENTICATED(ErrorKind.UNAUTHENTICATED),
    FORBIDDEN(ErrorKind.FORBIDDEN),
    NOT_FOUND(ErrorKind.NOT_FOUND),
    CONFLICT(ErrorKind.CONFLICT),
    NOT_READY(ErrorKind.UNAVAILABLE),
    VM_LOST(ErrorKind.GONE),
    QUOTA_EXCEEDED(ErrorKind.QUOTA),
    ACQUIRE_TIMEOUT(ErrorKind.UNAVAILABLE),
    /** The pool has no room for the VMs asked for (POOL_SIZE), without waiting. */
    POOL_FULL(ErrorKind.UNAVAILABLE),
    POOL_CLOSED(ErrorKind.UNAVAILABLE),
    READY_TIMEOUT(ErrorKind.EXTERNAL),
    BOOT_FAILED(ErrorKind.EXTERNAL),
    REVERT_FAILED(ErrorKind.EXTERNAL),
    STOP_FAILED(ErrorKind.EXTERNAL),
    PROVIDER_UNAVAILABLE(ErrorKind.UNAVAILABLE),
    PROVIDER_ERROR(ErrorKind.EXTERNAL),
    CREDENTIALS(ErrorKind.EXTERNAL),
    CLOUD_QUOTA(ErrorKind.UNAVAILABLE),
    CLOUD_CAPACITY(ErrorKind.UNAVAILABLE),
    UNSUPPORTED(ErrorKind.USER),
    /** The provider in use lacks an optional capability (forking a VM, say); the message says why. */
    UNSUPPORTED_BY_PROVIDER(ErrorKind.NOT_IMPLEMENTED),
    INTERNAL(ErrorKind.INTERNAL);

    private final ErrorKind kind;

    ErrorCode(ErrorKind kind) {
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }

    /** The name clients see, e.g. {@code quota_exceeded}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
