package dev.forgeauth.core.http;

import dev.forgeauth.core.error.ErrorBody;
import dev.forgeauth.core.error.OAuthErrors;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;

/**
 * First handler on every route: answers 431/413 with the contract's JSON error body before any
 * resource code runs. A declared Content-Length over the limit is refused without reading the body.
 * In the same pass over the headers: a request with more than one {@code Host}, or a {@code Host} that
 * is not an authority (RFC 3986 §3.2: a backslash, a space, an {@code @}), is a 400 (RFC 9112 §3.2),
 * so that no two components can read different hosts out of one request.
 */
@ApplicationScoped
public class HttpLimitsFilter {

    private final HttpLimits limits;

    public HttpLimitsFilter(HttpLimits limits) {
        this.limits = limits;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 10).handler(this::check);
    }

    void check(RoutingContext rc) {
        MultiMap headers = rc.request().headers();
        int size = 0;
        int hosts = 0;
        boolean badHost = false;
        for (Map.Entry<String, String> h : headers) {
            String name = h.getKey();
            size += name.length() + h.getValue().length() + 4;
            if (name.length() == 4 && name.equalsIgnoreCase("Host")) {
                hosts++;
                badHost |= !authority(h.getValue());
            }
        }
        size += rc.request().uri().length();
        if (size > limits.maxHeaderSize()) {
            rejectAndClose(rc, 431, OAuthErrors.HEADERS_TOO_LARGE, "Request headers too large");
            return;
        }
        if (hosts > 1 || badHost) {
            rejectAndClose(rc, 400, OAuthErrors.INVALID_REQUEST,
                    hosts > 1 ? "More than one Host header (RFC 9112 §3.2)" : "The Host header is not a host name and port");
            return;
        }
        String cl = headers.get(HttpHeaders.CONTENT_LENGTH);
        if (cl != null) {
            long length;
            try {
                length = Long.parseLong(cl.trim());
            } catch (NumberFormatException e) {
                rejectAndClose(rc, 400, OAuthErrors.INVALID_REQUEST, "Malformed Content-Length");
                return;
            }
            if (length > limits.maxBodySize()) {
                rejectAndClose(rc, 413, OAuthErrors.REQUEST_TOO_LARGE,
                        "Request body too large (limit " + limits.maxBodySize() + " bytes)");
                return;
            }
        } else if (limits.requireContentLength() && headers.contains(HttpHeaders.TRANSFER_ENCODING)) {
            // A streamed body of unknown size would be cut off by Vert.x with a bare 413 once it passes
            // the limit; asking for its length up front keeps every refusal a JSON answer.
            rejectAndClose(rc, 411, OAuthErrors.INVALID_REQUEST,
                    "A Content-Length is required; chunked request bodies are not accepted");
            return;
        }
        rc.next();
    }

    /**
     * Whether a Host value can be an authority: host (reg-name, IPv4 or an IP literal in brackets) and an
     * optional port, no userinfo. Characters only; Vert.x parses it.
     */
    static boolean authority(String host) {
        int n = host.length();
        for (int i = 0; i < n; i++) {
            char c = host.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
                    || c == ':' || c == '[' || c == ']' || c == '_' || c == '~' || c == '%')) {
                return false;
            }
        }
        return true;
    }

    public static void reject(RoutingContext rc, int status, String error, String description) {
        rc.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(ErrorBody.json(error, description));
    }

    /** For oversized requests: the unread body would otherwise be parsed as the next request. */
    public static void rejectAndClose(RoutingContext rc, int status, String error, String description) {
        rc.response().putHeader(HttpHeaders.CONNECTION, "close");
        reject(rc, status, error, description);
    }
}
