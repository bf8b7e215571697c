package dev.forgeauth.core.error;

/**
 * Error codes used across Forge Auth: the registered OAuth codes plus a few HTTP-level ones.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-5.2">RFC 6749 §5.2</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-3.1">RFC 6750 §3.1</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2">RFC 7591 §3.2.2</a>
 */
public final class OAuthErrors {
    public static final String INVALID_REQUEST = "invalid_request";
    public static final String INVALID_CLIENT = "invalid_client";
    public static final String INVALID_GRANT = "invalid_grant";
    public static final String UNAUTHORIZED_CLIENT = "unauthorized_client";
    public static final String UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type";
    public static final String INVALID_SCOPE = "invalid_scope";
    public static final String INVALID_TOKEN = "invalid_token";
    public static final String INSUFFICIENT_SCOPE = "insufficient_scope";
    public static final String ACCESS_DENIED = "access_denied";
    public static final String INVALID_CLIENT_METADATA = "invalid_client_metadata";
    public static final String INVALID_REDIRECT_URI = "invalid_redirect_uri";
    public static final String TEMPORARILY_UNAVAILABLE = "temporarily_unavailable";
    public static final String SERVER_ERROR = "server_error";
    public static final String NOT_FOUND = "not_found";
    public static final String METHOD_NOT_ALLOWED = "method_not_allowed";
    public static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
    public static final String NOT_ACCEPTABLE = "not_acceptable";
    public static final String REQUEST_TOO_LARGE = "request_too_large";
    public static final String HEADERS_TOO_LARGE = "request_header_fields_too_large";
    public static final String TOO_MANY_REQUESTS = "too_many_requests";

    private OAuthErrors() {
    }
}
