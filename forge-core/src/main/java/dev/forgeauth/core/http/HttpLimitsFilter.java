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
        for (Map.Entry<String, String> h : headers) {
            size += h.getKey().length() + h.getValue().length() + 4;
        }
        size += rc.request().uri().length();
        if (size > limits.maxHeaderSize()) {
            rejectAndClose(rc, 431, OAuthErrors.HEADERS_TOO_LARGE, "Request headers too large");
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
