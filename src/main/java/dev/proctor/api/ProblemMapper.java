package dev.proctor.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import dev.proctor.core.Rejection;
import dev.proctor.persistence.DatabaseFaults;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The one place where failures become HTTP answers: problem+json, never a class name or stack trace. */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    /** The {@code field} of a problem with the request body as a whole (not JSON, too large, missing). */
    public static final String BODY = "body";

    public static RestResponse<Problem> of(int status, String type, String detail, String field) {
        Response.Status s = Response.Status.fromStatusCode(status);
        // jakarta's Status enum has no 422: name it as RFC 9110 does
        String title = s != null ? s.getReasonPhrase() : status == 422 ? "Unprocessable Content" : "Error";
        return RestResponse.ResponseBuilder.<Problem>create(status)
                .entity(new Problem("/problems/" + type, title, status, detail, field))
                .type(Problem.MEDIA_TYPE)
                .build();
    }

    @ServerExceptionMapper
    public RestResponse<Problem> problem(Rejection e) {
        RestResponse<Problem> r = of(status(e.reason()), e.type(), e.getMessage(), e.field());
        if (e.retryAfterSeconds() != null) {
            r.getHeaders().putSingle("Retry-After", String.valueOf(e.retryAfterSeconds()));
        }
        return r;
    }

    /** The one mapping of a refusal's reason to an HTTP status. */
    static int status(Rejection.Reason reason) {
        return switch (reason) {
            case INVALID -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case TOO_LARGE -> 413;
            case UNPROCESSABLE -> 422;
            case TOO_MANY -> 429;
            case UNAVAILABLE -> 503;
        };
    }

    @ServerExceptionMapper
    public RestResponse<Problem> json(JsonProcessingException e) {
        // a body that is not JSON at all, or not an object, is wrong as a whole: the field is the body
        String field = BODY;
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            field = path(m);
        }
        String detail = e.getOriginalMessage();
        if (detail != null) {
            // Jackson names Java types in some messages; clients need the JSON view only
            detail = detail.replaceAll("\\(class [^)]*\\)", "").replaceAll("`[a-z]+(\\.[A-Za-z0-9_$]+)+`", "value");
            int nl = detail.indexOf('\n');
            detail = nl < 0 ? detail : detail.substring(0, nl);
        }
        return of(400, "malformed-json", "malformed JSON: " + detail, field);
    }

    /** Quarkus maps these itself (without problem+json) unless mapped here, by their exact type. */
    @ServerExceptionMapper
    public RestResponse<Problem> unknownField(com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
        return of(400, "malformed-json", "unknown field " + e.getPropertyName(), path(e));
    }

    @ServerExceptionMapper
    public RestResponse<Problem> mismatch(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public RestResponse<Problem> invalidFormat(com.fasterxml.jackson.databind.exc.InvalidFormatException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public RestResponse<Problem> parse(com.fasterxml.jackson.core.JsonParseException e) {
        return json(e);
    }

    static String path(JsonMappingException m) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    @ServerExceptionMapper
    public RestResponse<Problem> web(WebApplicationException e) {
        // the JSON reader wraps syntax errors: answer them as malformed JSON, with their place
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c instanceof JsonProcessingException j) {
                return json(j);
            }
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("request failed", e);
        }
        String detail = switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed here";
            case 406 -> "only application/json is produced";
            case 400 -> "malformed request body";
            case 413 -> "request body too large";
            case 415 -> "send Content-Type: application/json";
            default ->
                Response.Status.fromStatusCode(status) == null
                        ? "request refused"
                        : Response.Status.fromStatusCode(status).getReasonPhrase();
        };
        String field = switch (status) {
            case 400, 413 -> BODY;
            case 415 -> "Content-Type";
            case 406 -> "Accept";
            default -> null;
        };
        return of(status, "http-" + status, detail, field);
    }

    @ServerExceptionMapper
    public RestResponse<Problem> unexpected(RuntimeException e) {
        if (DatabaseFaults.unreachable(e)) {
            // PostgreSQL is down or restarting: the request may be retried as it is, soon
            LOG.warnf("database unreachable: %s", DatabaseFaults.reason(e));
            RestResponse<Problem> r =
                    of(503, "database-unavailable", "the database is briefly unavailable; retry later", null);
            r.getHeaders().putSingle("Retry-After", String.valueOf(DatabaseFaults.RETRY_AFTER_SECONDS));
            return r;
        }
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected failure, problem id %s", id);
        return of(500, "internal", "internal error (id " + id + " in the service log)", null);
    }
}
