package dev.forgeauth.core.error;

import java.util.Map;

/**
 * The one error type of Forge Auth. Every 4xx a client sees is one of these, written as
 * {@code {"error": code, "error_description": description}} by {@link OAuthExceptionMapper}.
 * The description is user-facing; anything for operators goes to the log, never into it.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-5.2">RFC 6749 §5.2</a>
 */
public class OAuthException extends RuntimeException {

    private final String error;
    private final String description;
    private final int status;
    private final Map<String, String> headers;

    public OAuthException(String error, String description, int status) {
        this(error, description, status, Map.of());
    }

    public OAuthException(String error, String description, int status, Map<String, String> headers) {
        super(error + ": " + description, null, false, false);
        this.error = error;
        this.description = description;
        this.status = status;
        this.headers = headers;
    }

    public static OAuthException invalidRequest(String description) {
        return new OAuthException(OAuthErrors.INVALID_REQUEST, description, 400);
    }

    public static OAuthException invalidScope(String description) {
        return new OAuthException(OAuthErrors.INVALID_SCOPE, description, 400);
    }

    public static OAuthException invalidGrant(String description) {
        return new OAuthException(OAuthErrors.INVALID_GRANT, description, 400);
    }

    public static OAuthException unauthorizedClient(String description) {
        return new OAuthException(OAuthErrors.UNAUTHORIZED_CLIENT, description, 400);
    }

    /** RFC 6749 §5.2: a client that tried HTTP Basic gets 401 and a Basic challenge. */
    public static OAuthException invalidClient(String description, boolean usedBasic) {
        return new OAuthException(OAuthErrors.INVALID_CLIENT, description, 401,
                usedBasic ? Map.of("WWW-Authenticate", "Basic realm=\"forge\", charset=\"UTF-8\"") : Map.of());
    }

    /** RFC 6750 §3: missing credentials get a bare Bearer challenge. */
    public static OAuthException missingToken(String description) {
        return new OAuthException(OAuthErrors.INVALID_TOKEN, description, 401,
                Map.of("WWW-Authenticate", "Bearer realm=\"forge\""));
    }

    /** RFC 6750 §3.1: a token was sent but is not valid. */
    public static OAuthException invalidToken(String description) {
        return new OAuthException(OAuthErrors.INVALID_TOKEN, description, 401,
                Map.of("WWW-Authenticate", "Bearer realm=\"forge\", error=\"invalid_token\""));
    }

    /** RFC 6750 §3.1: valid token, missing scope. */
    public static OAuthException insufficientScope(String requiredScope) {
        return new OAuthException(OAuthErrors.INSUFFICIENT_SCOPE, "This request needs scope '" + requiredScope + "'", 403,
                Map.of("WWW-Authenticate",
                        "Bearer realm=\"forge\", error=\"insufficient_scope\", scope=\"" + requiredScope + "\""));
    }

    public static OAuthException notFound(String description) {
        return new OAuthException(OAuthErrors.NOT_FOUND, description, 404);
    }

    public static OAuthException tooManyRequests(long retryAfterSeconds) {
        return new OAuthException(OAuthErrors.TOO_MANY_REQUESTS, "Too many attempts; retry after " + retryAfterSeconds + " s",
                429, Map.of("Retry-After", Long.toString(retryAfterSeconds)));
    }

    public static OAuthException unavailable(String description) {
        return new OAuthException(OAuthErrors.TEMPORARILY_UNAVAILABLE, description, 503, Map.of("Retry-After", "1"));
    }

    public String error() {
        return error;
    }

    public String description() {
        return description;
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
