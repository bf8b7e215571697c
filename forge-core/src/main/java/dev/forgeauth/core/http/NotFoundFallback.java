package dev.forgeauth.core.http;

import dev.forgeauth.core.error.OAuthErrors;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The last route of every service: a path nothing else claimed is a JSON 404, not Vert.x's HTML page.
 * Failures that escaped every handler become a JSON 500 without details.
 */
@ApplicationScoped
public class NotFoundFallback {

    void install(@Observes Router router) {
        router.route().last().handler(rc -> HttpLimitsFilter.reject(rc, 404, OAuthErrors.NOT_FOUND, "No such resource"));
        router.route().failureHandler(rc -> {
            if (rc.response().headWritten()) {
                rc.next();
                return;
            }
            int status = rc.statusCode() >= 400 && rc.statusCode() < 500 ? rc.statusCode() : 500;
            if (status == 413) {
                HttpLimitsFilter.rejectAndClose(rc, 413, OAuthErrors.REQUEST_TOO_LARGE, "Request body too large");
            } else if (status < 500) {
                HttpLimitsFilter.reject(rc, status, OAuthErrors.INVALID_REQUEST, "Malformed request");
            } else {
                HttpLimitsFilter.reject(rc, 500, OAuthErrors.SERVER_ERROR, "The server could not complete the request");
            }
        });
    }
}
