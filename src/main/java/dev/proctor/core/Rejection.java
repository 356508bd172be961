package dev.proctor.core;

/**
 * A request Proctor refuses, raised by domain code (jobs, auth, usage reports) without knowing HTTP; the api
 * layer renders it as problem+json, its status chosen by {@link Reason}. {@code field} names the part of the
 * request that is wrong, as a JSON path ({@code tests[2].expected_output}), a header or a parameter.
 */
public final class Rejection extends RuntimeException {

    /** Why the request is refused; the api maps each to one HTTP status. */
    public enum Reason {
        /** Malformed or out of range (400). */
        INVALID,
        /** No or an unknown credential (401). */
        UNAUTHENTICATED,
        /** A credential without the right (403). */
        FORBIDDEN,
        /** Nothing the caller may see (404). */
        NOT_FOUND,
        /** The state of the thing forbids it (409). */
        CONFLICT,
        /** Over a size limit (413). */
        TOO_LARGE,
        /** Well-formed but not acceptable here (422). */
        UNPROCESSABLE,
        /** Over the caller's quota for now (429). */
        TOO_MANY,
        /** The service cannot take it now (503). */
        UNAVAILABLE
    }

    private final Reason reason;
    private final String type;
    private final String field;
    private final Integer retryAfterSeconds;

    public Rejection(Reason reason, String type, String detail, String field, Integer retryAfterSeconds) {
        super(detail, null, false, false);
        this.reason = reason;
        this.type = type;
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static Rejection invalid(String field, String detail) {
        return new Rejection(Reason.INVALID, "invalid-request", detail, field, null);
    }

    public static Rejection unprocessable(String field, String detail) {
        return new Rejection(Reason.UNPROCESSABLE, "unprocessable", detail, field, null);
    }

    public static Rejection tooLarge(String field, String detail) {
        return new Rejection(Reason.TOO_LARGE, "too-large", detail, field, null);
    }

    public static Rejection notFound(String detail) {
        return new Rejection(Reason.NOT_FOUND, "not-found", detail, null, null);
    }

    public static Rejection conflict(String type, String detail, String field) {
        return new Rejection(Reason.CONFLICT, type, detail, field, null);
    }

    public static Rejection unauthenticated(String detail, String field) {
        return new Rejection(Reason.UNAUTHENTICATED, "unauthorized", detail, field, null);
    }

    public static Rejection forbidden(String detail) {
        return new Rejection(Reason.FORBIDDEN, "forbidden", detail, null, null);
    }

    public static Rejection tooMany(String type, String detail, int retryAfterSeconds) {
        return new Rejection(Reason.TOO_MANY, type, detail, null, retryAfterSeconds);
    }

    public static Rejection unavailable(String type, String detail, String field, Integer retryAfterSeconds) {
        return new Rejection(Reason.UNAVAILABLE, type, detail, field, retryAfterSeconds);
    }

    public Reason reason() {
        return reason;
    }

    public String type() {
        return type;
    }

    public String field() {
        return field;
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
