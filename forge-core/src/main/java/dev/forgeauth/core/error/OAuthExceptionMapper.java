package dev.forgeauth.core.error;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place where exceptions become HTTP answers: {@link OAuthException} as it says, JAX-RS
 * exceptions (404, 405, 415, 413, bad JSON…) as their 4xx with a JSON body, an outage of PostgreSQL or
 * Redis ({@link DependencyFailures}) as 503 {@code temporarily_unavailable} with {@code Retry-After}, and
 * anything else as a 500 {@code server_error} whose details go to the log only.
 */
public class OAuthExceptionMapper {

    private static final Logger LOG = Logger.getLogger(OAuthExceptionMapper.class);

    /** Seconds a client is asked to wait after an outage answer: long enough for a failover or a restart. */
    public static final int OUTAGE_RETRY_AFTER_SECONDS = 5;

    @ServerExceptionMapper(priority = 1)
    public Response oauth(OAuthException e) {
        Response.ResponseBuilder rb = Response.status(e.status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "no-store")
                .entity(ErrorBody.json(e.error(), e.description()));
        e.headers().forEach(rb::header);
        return rb.build();
    }

    @ServerExceptionMapper(priority = 10)
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        if (status >= 500) {
            if (DependencyFailures.isOutage(e)) {
                return outage(e);
            }
            LOG.errorf(e, "request failed with %d", status);
            return json(status, OAuthErrors.SERVER_ERROR, "The server could not complete the request");
        }
        Response r = switch (status) {
            case 404 -> json(404, OAuthErrors.NOT_FOUND, "No such resource");
            case 405 -> json(405, OAuthErrors.METHOD_NOT_ALLOWED, "Method not allowed on this resource");
            case 406 -> json(406, OAuthErrors.NOT_ACCEPTABLE, "Cannot produce the requested media type");
            case 413 -> json(413, OAuthErrors.REQUEST_TOO_LARGE, "Request body too large");
            case 415 -> json(415, OAuthErrors.UNSUPPORTED_MEDIA_TYPE, "Unsupported content type");
            case 401 -> json(401, OAuthErrors.INVALID_TOKEN, "Authentication required");
            case 403 -> json(403, OAuthErrors.INSUFFICIENT_SCOPE, "Not allowed");
            default -> json(status, OAuthErrors.INVALID_REQUEST, "Malformed request");
        };
        String allow = e.getResponse().getHeaderString("Allow");
        if (status == 405 && allow != null) {
            return Response.fromResponse(r).header("Allow", allow).build();
        }
        return r;
    }

    @ServerExceptionMapper(priority = 100)
    public Response any(Throwable e) {
        // Jackson and parameter-conversion failures reach here wrapped in various types; they are the
        // client's fault. Anything else is ours: log it with its stack, answer without one.
        if (isClientInputError(e)) {
            return json(400, OAuthErrors.INVALID_REQUEST, "Malformed request body");
        }
        if (DependencyFailures.isOutage(e)) {
            return outage(e);
        }
        LOG.error("unhandled error", e);
        return json(500, OAuthErrors.SERVER_ERROR, "The server could not complete the request");
    }

    /** PostgreSQL or Redis is down: the client may retry; one log line, no stack (an outage floods otherwise). */
    static Response outage(Throwable e) {
        LOG.warnf("a dependency is unavailable: %s", describe(e));
        return Response.status(503)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header("Retry-After", Integer.toString(OUTAGE_RETRY_AFTER_SECONDS))
                .header("Cache-Control", "no-store")
                .entity(ErrorBody.json(OAuthErrors.TEMPORARILY_UNAVAILABLE,
                        "The service is temporarily unavailable; retry shortly"))
                .build();
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        int depth = 0;
        for (Throwable t = e; t != null && depth < 4; t = t.getCause(), depth++) {
            if (depth > 0) {
                sb.append(" <- ");
            }
            sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return sb.toString();
    }

    static boolean isClientInputError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String name = t.getClass().getName();
            if (name.startsWith("com.fasterxml.jackson.core.") || name.startsWith("com.fasterxml.jackson.databind.")
                    || t instanceof jakarta.ws.rs.ProcessingException) {
                return true;
            }
        }
        return false;
    }

    private static Response json(int status, String error, String description) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorBody.json(error, description))
                .build();
    }
}
