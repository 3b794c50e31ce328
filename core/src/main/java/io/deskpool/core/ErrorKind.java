package io.deskpool.core;

/** What kind of failure an {@link ErrorCode} is; the server maps each kind to one HTTP status. */
public enum ErrorKind {
    /** The caller sent something wrong (400). */
    USER,
    /** The caller sent no credentials (401). */
    UNAUTHENTICATED,
    /** The caller named something that does not exist (404). */
    NOT_FOUND,
    /** What the caller holds is gone for good and will not come back, e.g. a lease whose VM died (410). */
    GONE,
    /** The caller may not do this (403). */
    FORBIDDEN,
    /** The request does not fit the current state, e.g. a step before any reset (409). */
    CONFLICT,
    /** The caller is over its quota (429). */
    QUOTA,
    /** Try again later: nothing free in time, a backend down (503). */
    UNAVAILABLE,
    /** A backend failed (502). */
    EXTERNAL,
    /** The configured backend cannot do this at all, whatever the input (501). */
    NOT_IMPLEMENTED,
    /** A bug (500). */
    INTERNAL
}
