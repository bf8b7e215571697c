package dev.forgeauth.gateway.proxy;

import dev.forgeauth.core.error.ErrorBody;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.gateway.auth.Authenticator;
import dev.forgeauth.gateway.auth.Identity;
import dev.forgeauth.gateway.ratelimit.RateLimiter;
import dev.forgeauth.gateway.route.PathNormalizer;
import dev.forgeauth.gateway.route.Route;
import dev.forgeauth.gateway.route.RouteTable;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jboss.logging.Logger;

/**
 * The front door. Every request that is not for the gateway's own {@code /q/*} endpoints is handled
 * here, before any other route: normalise the path, pick the route (longest prefix), authenticate and
 * check the scope (protected routes), rate-limit, rewrite the headers, stream to the upstream and the
 * answer back. Every refusal is a JSON error; an upstream that is down or slow is a JSON 502 or 504.
 *
 * <p>Built for the hot path: a credential seen recently (verified JWT, resolved opaque credential) and
 * a rate-limit token leased earlier are answered synchronously, without a reactive pipeline; each event
 * loop has its own upstream client, so a request and its upstream connection stay on one thread; small
 * upstream answers with a length go back in one write. Bodies of any size are streamed both ways with
 * back-pressure, never buffered whole; requests are never retried (an upstream that fails after the
 * request was sent may have acted on it).
 */
@ApplicationScoped
public class GatewayProxy {

    private static final Logger LOG = Logger.getLogger(GatewayProxy.class);
    /** Upstream answers up to this size, with a Content-Length, are collected and written in one go. */
    static final int SMALL_RESPONSE = 64 * 1024;

    private final RouteTable routes;
    private final Authenticator authenticator;
    private final RateLimiter limiter;
    private final MeterRegistry metrics;
    /** Route name → auth outcome → timers by status (index status - 100). */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, AtomicReferenceArray<Timer>>> timers = new ConcurrentHashMap<>();
    private ThreadLocal<HttpClient> clients;

    public GatewayProxy(RouteTable routes, Authenticator authenticator, RateLimiter limiter, MeterRegistry metrics) {
        this.routes = routes;
        this.authenticator = authenticator;
        this.limiter = limiter;
        this.metrics = metrics;
    }

    void install(@Observes Router router, Vertx vertx) {
        // one client per event loop: a request and its upstream connection stay on the thread the
        // request arrived on, instead of hopping to the loop that happens to own a pooled connection
        clients = ThreadLocal.withInitial(() -> vertx.createHttpClient(new HttpClientOptions()
                .setKeepAlive(true)
                .setKeepAliveTimeout(60)
                .setTcpNoDelay(true)
                .setConnectTimeout(2000)
                .setDecompressionSupported(false), new PoolOptions().setHttp1MaxSize(128)));
        // first in line after the HTTP limits filter; only the gateway's own /q/* endpoints go on
        router.route().order(Integer.MIN_VALUE + 20).handler(this::handle);
        vertx.setPeriodic(30_000, id -> limiter.sweep());
    }

    /** One proxied request. */
    private static final class Exchange {
        final HttpServerRequest in;
        final String requestId;
        final long start = System.nanoTime();
        final boolean hasBody;
        Route route;
        String path;
        String outcome;
        HttpClientRequest out;

        Exchange(HttpServerRequest in, String requestId, boolean hasBody) {
            this.in = in;
            this.requestId = requestId;
            this.hasBody = hasBody;
        }
    }

    void handle(RoutingContext rc) {
        String normalized = rc.normalizedPath();
        if (normalized.startsWith("/q/") || normalized.equals("/q")) {
            rc.next();
            return;
        }
        HttpServerRequest in = rc.request();
        Exchange x = new Exchange(in, ForwardHeaders.requestId(in.getHeader(ForwardHeaders.REQUEST_ID)), hasBody(in));
        if (x.hasBody) {
            // the body waits (in the connection's buffers, read paused) until it can be streamed on
            in.pause();
        }
        try {
            x.path = PathNormalizer.normalize(in.path());
        } catch (PathNormalizer.BadPathException e) {
            refuse(x, OAuthException.invalidRequest("The request path cannot be used: " + e.getMessage()), "none");
            return;
        }
        Route route = routes.match(x.path);
        if (route == null) {
            refuse(x, OAuthException.notFound("No route for this path"), "none");
            return;
        }
        x.route = route;
        if (route.isPublic()) {
            x.outcome = "public";
            forward(x, null);
            return;
        }
        Identity identity;
        try {
            identity = authenticator.cached(in, route);
        } catch (OAuthException e) {
            refuse(x, e, e.status() == 401 ? "unauthenticated" : "error");
            return;
        }
        if (identity != null) {
            authorised(x, identity);
            return;
        }
        Context vctx = Vertx.currentContext();
        authenticator.authenticate(in, route).subscribe().with(
                id -> onContext(vctx, () -> authorised(x, id)),
                failure -> onContext(vctx, () -> {
                    OAuthException oe = failure instanceof OAuthException o ? o
                            : OAuthException.unavailable("Credentials cannot be checked right now");
                    if (!(failure instanceof OAuthException)) {
                        LOG.warnf("authentication failed unexpectedly: %s", failure.toString());
                    }
                    refuse(x, oe, oe.status() == 401 ? "unauthenticated" : "error");
                }));
    }

    /** Whether a body follows the request head (RFC 9112 §6.3: a length, or a transfer coding). */
    private static boolean hasBody(HttpServerRequest in) {
        if (in.version() == HttpVersion.HTTP_2) {
            return !in.isEnded();
        }
        String length = in.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            return !"0".equals(length);
        }
        return in.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    }

    private void authorised(Exchange x, Identity identity) {
        Route route = x.route;
        String needed = route.requiredScope(x.in.method().name());
        if (needed == null || !identity.scopes().contains(needed)) {
            refuse(x, OAuthException.insufficientScope(needed == null ? "none" : needed), "forbidden");
            return;
        }
        if (limiter.tryLocal(route.name(), identity.rateKey())) {
            x.outcome = identity.tokenType();
            forward(x, identity);
            return;
        }
        Context vctx = Vertx.currentContext();
        limiter.acquire(route.name(), identity.rateKey(), route.rateLimit(), 2 * route.rateLimit()).subscribe().with(
                wait -> onContext(vctx, () -> {
                    if (wait > 0) {
                        refuse(x, OAuthException.tooManyRequests(wait), "rate_limited");
                        return;
                    }
                    x.outcome = identity.tokenType();
                    forward(x, identity);
                }),
                e -> onContext(vctx, () -> refuse(x, OAuthException.unavailable("Rate limiter failed"), "error")));
    }

    private static void onContext(Context vctx, Runnable r) {
        if (vctx == null || Vertx.currentContext() == vctx) {
            r.run();
        } else {
            vctx.runOnContext(v -> r.run());
        }
    }

    // --- upstream ---------------------------------------------------------------------------------

    private void forward(Exchange x, Identity identity) {
        HttpServerRequest in = x.in;
        Route.Upstream up = x.route.nextUpstream();
        String query = in.query();
        if (identity != null) {
            query = ForwardHeaders.queryWithoutApiKey(query);
        }
        SocketAddress client = in.remoteAddress();
        HostAndPort authority = in.authority();
        RequestOptions options = new RequestOptions()
                .setMethod(in.method())
                .setServer(up.address())
                .setHost(up.host())
                .setPort(up.port())
                .setSsl(up.ssl())
                .setURI(query == null || query.isEmpty() ? up.basePath() + x.path : up.basePath() + x.path + '?' + query)
                .setHeaders(ForwardHeaders.upstreamRequest(in.headers(), identity, x.requestId,
                        client == null ? "unknown" : client.hostAddress(), in.isSSL() ? "https" : "http",
                        authority == null ? null : authority.toString()))
                .setIdleTimeout(x.route.timeoutMillis());
        // the client may leave while the upstream works: stop the upstream request too
        in.response().closeHandler(v -> {
            if (x.out != null) {
                x.out.reset();
            }
        });
        clients.get().request(options).onComplete(ar -> {
            if (ar.failed()) {
                upstreamFailed(x, ar.cause());
                return;
            }
            send(x, ar.result());
        });
    }

    private void send(Exchange x, HttpClientRequest out) {
        x.out = out;
        out.response().onComplete(ar -> respond(x, ar));
        if (!x.hasBody) {
            out.end();
            return;
        }
        HttpServerRequest in = x.in;
        if (in.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
            out.setChunked(true);
        }
        String expect = in.getHeader(HttpHeaders.EXPECT);
        if (expect != null && expect.equalsIgnoreCase("100-continue")) {
            // authorised and connected: the client may send its body now
            in.response().writeContinue();
        }
        // the request body streams with back-pressure; a body cut short is not completed upstream
        in.pipe().endOnFailure(false).to(out).onFailure(e -> out.reset(0, e));
    }

    private void respond(Exchange x, AsyncResult<HttpClientResponse> ar) {
        if (ar.failed()) {
            upstreamFailed(x, ar.cause());
            return;
        }
        HttpClientResponse resp = ar.result();
        HttpServerResponse sr = x.in.response();
        if (sr.ended() || sr.closed()) {
            x.out.reset();
            return;
        }
        int status = resp.statusCode();
        sr.setStatusCode(status);
        String message = resp.statusMessage();
        if (message != null) {
            sr.setStatusMessage(message);
        }
        ForwardHeaders.downstreamResponse(resp.headers(), sr.headers(), x.requestId);
        record(x, status);
        boolean bodyless = x.in.method() == HttpMethod.HEAD || status == 204 || status == 304 || status < 200;
        String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (bodyless) {
            resp.end().onComplete(v -> sr.end());
            return;
        }
        long declared = parseLength(length);
        if (declared >= 0 && declared <= SMALL_RESPONSE) {
            // small and of known size: head and body in one write
            resp.body().onComplete(body -> {
                if (body.succeeded()) {
                    sr.end(body.result());
                } else {
                    abort(x, body.cause());
                }
            });
            return;
        }
        if (declared < 0) {
            sr.headers().remove(HttpHeaders.CONTENT_LENGTH);
            if (x.in.version() != HttpVersion.HTTP_1_0) {
                sr.setChunked(true);
            }
        }
        // larger or of unknown size: streamed with back-pressure. An upstream that fails half-way must
        // not look like a complete answer: the client connection is closed instead of ending the body
        resp.pipe().endOnFailure(false).to(sr).onFailure(e -> abort(x, e));
    }

    private static long parseLength(String length) {
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The upstream failed before its answer began: a JSON 502/504 (or, if the answer began, a cut). */
    private void upstreamFailed(Exchange x, Throwable e) {
        HttpServerResponse sr = x.in.response();
        if (sr.headWritten() || sr.ended() || sr.closed()) {
            abort(x, e);
            return;
        }
        boolean timeout = e instanceof TimeoutException || e.getClass().getSimpleName().contains("Timeout")
                || String.valueOf(e.getMessage()).toLowerCase().contains("timeout");
        LOG.debugf("upstream of route %s failed: %s", x.route.name(), e.toString());
        if (x.out != null) {
            x.out.reset();
        }
        refuse(x, timeout
                ? new OAuthException("upstream_timeout", "The upstream service did not answer in time", 504)
                : new OAuthException("bad_gateway", "The upstream service is unavailable", 502), "upstream_error");
    }

    /** An answer that cannot be completed: close the client's connection so it cannot look whole. */
    private void abort(Exchange x, Throwable e) {
        LOG.debugf("proxied exchange on route %s cut: %s", x.route == null ? "none" : x.route.name(), e.toString());
        if (x.out != null) {
            x.out.reset();
        }
        HttpServerResponse sr = x.in.response();
        if (!sr.headWritten() && !sr.ended() && !sr.closed()) {
            refuse(x, new OAuthException("bad_gateway", "The upstream service failed", 502), "upstream_error");
            return;
        }
        if (!sr.closed()) {
            x.in.connection().close();
        }
    }

    // --- answers of the gateway's own ---------------------------------------------------------------

    private void refuse(Exchange x, OAuthException e, String outcome) {
        x.outcome = outcome;
        HttpServerRequest in = x.in;
        HttpServerResponse sr = in.response();
        if (sr.ended() || sr.closed()) {
            return;
        }
        // an upstream answer may have been prepared (headers copied) before it failed: none of it stays
        sr.headers().clear();
        sr.setStatusCode(e.status());
        sr.setStatusMessage(io.netty.handler.codec.http.HttpResponseStatus.valueOf(e.status()).reasonPhrase());
        sr.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        sr.putHeader(ForwardHeaders.REQUEST_ID, x.requestId);
        sr.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            sr.putHeader(h.getKey(), h.getValue());
        }
        if (x.hasBody && !in.isEnded()) {
            // the body will not be read: drop it on the floor (or, if it is still to come, close after)
            sr.putHeader(HttpHeaders.CONNECTION, "close");
            in.resume();
        }
        record(x, e.status());
        sr.end(Buffer.buffer(ErrorBody.json(e.error(), e.description())));
    }

    // --- metrics --------------------------------------------------------------------------------------

    private void record(Exchange x, int status) {
        String routeName = x.route == null ? "none" : x.route.name();
        String outcome = x.outcome == null ? "none" : x.outcome;
        long nanos = System.nanoTime() - x.start;
        if (status < 100 || status > 599) {
            return;
        }
        ConcurrentHashMap<String, AtomicReferenceArray<Timer>> byOutcome = timers.get(routeName);
        if (byOutcome == null) {
            byOutcome = timers.computeIfAbsent(routeName, r -> new ConcurrentHashMap<>());
        }
        AtomicReferenceArray<Timer> byStatus = byOutcome.get(outcome);
        if (byStatus == null) {
            byStatus = byOutcome.computeIfAbsent(outcome, o -> new AtomicReferenceArray<>(500));
        }
        Timer timer = byStatus.get(status - 100);
        if (timer == null) {
            // registering is idempotent: a race registers the same meter twice and gets it back
            timer = Timer.builder("forge.gateway.requests")
                    .description("Requests through the gateway by route, status and authentication outcome")
                    .tag("route", routeName)
                    .tag("status", Integer.toString(status))
                    .tag("auth", outcome)
                    .register(metrics);
            byStatus.set(status - 100, timer);
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }
}
