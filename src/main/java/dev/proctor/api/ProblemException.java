package dev.proctor.api;

/** A request Proctor refuses; mapped to problem+json in {@link ProblemMapper} and nowhere else. */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String type;
    private final String field;
    private final Integer retryAfterSeconds;

    public ProblemException(int status, String type, String detail, String field) {
        this(status, type, detail, field, null);
    }

    public ProblemException(int status, String type, String detail, String field, Integer retryAfterSeconds) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ProblemException invalid(String field, String detail) {
        return new ProblemException(400, "invalid-request", detail, field);
    }

    public static ProblemException unprocessable(String field, String detail) {
        return new ProblemException(422, "unprocessable", detail, field);
    }

    public static ProblemException tooLarge(String field, String detail) {
        return new ProblemException(413, "too-large", detail, field);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "not-found", detail, null);
    }

    public int status() {
        return status;
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
