package dev.forgeauth.echo;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Locale;

/**
 * The contract's demo resource service: any method on any path is answered with 200 and
 * {@code {"method", "path", "query", "headers"}} describing the request as it arrived.
 *
 * <ul>
 *   <li>{@code path}: the raw request path, not decoded;</li>
 *   <li>{@code query}: the raw query string without {@code ?}, {@code ""} when there is none;</li>
 *   <li>{@code headers}: an object of lower-cased header name to value, repeated headers joined with
 *       {@code ", "} in the order received.</li>
 * </ul>
 * The route is the last one, so the Quarkus {@code /q/*} endpoints answer first. The body is not read.
 */
@ApplicationScoped
public class EchoRoute {

    void install(@Observes Router router) {
        router.route().last().handler(EchoRoute::echo);
    }

    static void echo(RoutingContext rc) {
        HttpServerRequest req = rc.request();
        JsonObject headers = new JsonObject();
        MultiMap all = req.headers();
        for (String name : all.names()) {
            String key = name.toLowerCase(Locale.ROOT);
            if (!headers.containsKey(key)) {
                headers.put(key, String.join(", ", all.getAll(name)));
            }
        }
        String query = req.query();
        JsonObject body = new JsonObject()
                .put("method", req.method().name())
                .put("path", req.path())
                .put("query", query == null ? "" : query)
                .put("headers", headers);
        rc.response()
                .setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(body.encode());
    }
}
