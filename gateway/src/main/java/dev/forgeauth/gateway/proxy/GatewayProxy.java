package dev.forgeauth.gateway.proxy;

import dev.forgeauth.core.error.ErrorBody;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.gateway.auth.Authenticator;
import dev.forgeauth.gateway.auth.Identity;
import dev.forgeauth.gateway.config.GatewayConfig;
import dev.forgeauth.gateway.ratelimit.RateLimiter;
import dev.forgeauth.gateway.route.PathNormalizer;
import dev.forgeauth.gateway.route.Route;
import dev.forgeauth.gateway.route.RouteTable;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyOptions;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * The front door. Every request that is not for the gateway's own {@code /q/*} endpoints goes through
 * one interceptor of a Vert.x reverse proxy: normalise the path, pick the route (longest prefix),
 * authenticate and check the scope (protected routes), rate-limit, rewrite the headers, stream to the
 * upstream. Every refusal is a JSON error; an upstream that is down or slow is a JSON 502 or 504.
 * Bodies are streamed both ways, never buffered; requests are never retried.
 */
@ApplicationScoped
public class GatewayProxy implements ProxyInterceptor {

    private static final Logger LOG = Logger.getLogger(GatewayProxy.class);
    private static final String ROUTE = "forge.route";
    private static final String SAMPLE = "forge.sample";
    private static final String REQUEST_ID = "forge.rid";
    private static final String AUTH = "forge.auth";
    private static final String UPSTREAM = "forge.upstream";

    private final RouteTable routes;
    private final Authenticator authenticator;
    private final RateLimiter limiter;
    private final GatewayConfig config;
    private final MeterRegistry metrics;
    private final java.util.concurrent.ConcurrentHashMap<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    public GatewayProxy(RouteTable routes, Authenticator authenticator, RateLimiter limiter, GatewayConfig config,
            MeterRegistry metrics) {
        this.routes = routes;
        this.authenticator = authenticator;
        this.limiter = limiter;
        this.config = config;
        this.metrics = metrics;
    }

    void install(@Observes Router router, Vertx vertx) {
        // one client and proxy per event loop: a request and its upstream connection stay on the thread
        // the request arrived on, instead of hopping to the loop that happens to own a pooled connection
        // (keyed by thread: Quarkus gives every request a new duplicated context of the same event loop)
        ThreadLocal<HttpProxy> proxies = ThreadLocal.withInitial(() -> newProxy(vertx));
        // everything but the gateway's own /q/* endpoints, which answer before any route
        router.routeWithRegex("^(?!/q/).*").order(1000).handler(rc -> proxies.get().handle(rc.request()));
    }

    private HttpProxy newProxy(Vertx vertx) {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                .setKeepAlive(true)
                .setKeepAliveTimeout(60)
                .setTcpNoDelay(true)
                .setConnectTimeout(2000)
                .setDecompressionSupported(false), new PoolOptions().setHttp1MaxSize(128));
        HttpProxy proxy = HttpProxy.reverseProxy(new ProxyOptions().setSupportWebSocket(false), client);
        proxy.origin(this::originRequest);
        proxy.addInterceptor(this);
        return proxy;
    }

    private Future<io.vertx.core.http.HttpClientRequest> originRequest(ProxyContext ctx) {
        Route.Upstream up = ctx.get(UPSTREAM, Route.Upstream.class);
        return ctx.client().request(new RequestOptions()
                .setServer(SocketAddress.inetSocketAddress(up.port(), up.host()))
                .setSsl(up.ssl())
                .setIdleTimeout(ctx.get(ROUTE, Route.class).timeoutMillis()));
    }

    @Override
    public Future<ProxyResponse> handleProxyRequest(ProxyContext ctx) {
        ProxyRequest preq = ctx.request();
        HttpServerRequest in = preq.proxiedRequest();
        ctx.set(SAMPLE, Timer.start(metrics));
        String rid = ForwardHeaders.requestId(in.getHeader(ForwardHeaders.REQUEST_ID));
        ctx.set(REQUEST_ID, rid);

        String path;
        try {
            path = PathNormalizer.normalize(in.path());
        } catch (PathNormalizer.BadPathException e) {
            return error(ctx, OAuthException.invalidRequest("The request path cannot be used: " + e.getMessage()), "none");
        }
        Route route = routes.match(path);
        if (route == null) {
            return error(ctx, OAuthException.notFound("No route for this path"), "none");
        }
        ctx.set(ROUTE, route);
        if (route.isPublic()) {
            rewrite(ctx, route, path, null, rid);
            return send(ctx);
        }

        Context vctx = Vertx.currentContext();
        Promise<ProxyResponse> result = Promise.promise();
        Uni<Identity> auth = authenticator.authenticate(in, route);
        auth.subscribe().with(identity -> onContext(vctx, () -> authorised(ctx, route, path, identity, rid, result)),
                failure -> onContext(vctx, () -> {
                    OAuthException oe = failure instanceof OAuthException o ? o
                            : OAuthException.unavailable("Credentials cannot be checked right now");
                    if (!(failure instanceof OAuthException)) {
                        LOG.warnf("authentication failed unexpectedly: %s", failure.toString());
                    }
                    error(ctx, oe, oe.status() == 401 ? "unauthenticated" : "error").onComplete(result);
                }));
        return result.future();
    }

    private void authorised(ProxyContext ctx, Route route, String path, Identity identity, String rid,
            Promise<ProxyResponse> result) {
        String needed = route.requiredScope(ctx.request().getMethod().name());
        if (needed == null || !identity.scopes().contains(needed)) {
            error(ctx, OAuthException.insufficientScope(needed == null ? "none" : needed), "forbidden")
                    .onComplete(result);
            return;
        }
        Context vctx = Vertx.currentContext();
        limiter.acquire(route.name() + ":" + identity.rateKey(), route.rateLimit(), 2 * route.rateLimit()).subscribe().with(wait -> onContext(vctx, () -> {
                    if (wait > 0) {
                        error(ctx, OAuthException.tooManyRequests(wait), "rate_limited").onComplete(result);
                        return;
                    }
                    ctx.set(AUTH, identity.tokenType());
                    rewrite(ctx, route, path, identity, rid);
                    send(ctx).onComplete(result);
                }), e -> onContext(vctx, () -> error(ctx, OAuthException.unavailable("Rate limiter failed"), "error")
                        .onComplete(result)));
    }

    private static void onContext(Context vctx, Runnable r) {
        if (vctx == null || Vertx.currentContext() == vctx) {
            r.run();
        } else {
            vctx.runOnContext(v -> r.run());
        }
    }

    private void rewrite(ProxyContext ctx, Route route, String path, Identity identity, String rid) {
        ProxyRequest preq = ctx.request();
        HttpServerRequest in = preq.proxiedRequest();
        var headers = preq.headers();
        ForwardHeaders.stripHopByHop(headers);
        ForwardHeaders.stripSpoofedIdentity(headers);
        String query = in.query();
        if (identity != null) {
            ForwardHeaders.stripCredentials(headers);
            ForwardHeaders.addIdentity(headers, identity);
            query = ForwardHeaders.queryWithoutApiKey(query);
        }
        headers.set(ForwardHeaders.REQUEST_ID, rid);
        String client = in.remoteAddress() == null ? "unknown" : in.remoteAddress().hostAddress();
        HostAndPort authority = in.authority();
        ForwardHeaders.addForwarding(headers, client, in.isSSL() ? "https" : "http",
                authority == null ? null : authority.toString());
        Route.Upstream up = route.nextUpstream();
        ctx.set(UPSTREAM, up);
        preq.setURI(up.basePath() + path + (query == null || query.isEmpty() ? "" : "?" + query));
        preq.setAuthority(HostAndPort.create(up.host(), up.port()));
    }

    private Future<ProxyResponse> send(ProxyContext ctx) {
        return ctx.sendRequest().recover(e -> {
            boolean timeout = e instanceof TimeoutException || e.getClass().getSimpleName().contains("Timeout")
                    || String.valueOf(e.getMessage()).toLowerCase().contains("timeout");
            Route route = ctx.get(ROUTE, Route.class);
            LOG.debugf("upstream of route %s failed: %s", route == null ? "?" : route.name(), e.toString());
            return error(ctx, timeout
                    ? new OAuthException("upstream_timeout", "The upstream service did not answer in time", 504)
                    : new OAuthException("bad_gateway", "The upstream service is unavailable", 502), "upstream_error");
        });
    }

    @Override
    public Future<Void> handleProxyResponse(ProxyContext ctx) {
        ProxyResponse resp = ctx.response();
        resp.putHeader(ForwardHeaders.REQUEST_ID, ctx.get(REQUEST_ID, String.class));
        record(ctx, resp.getStatusCode());
        return ctx.sendResponse();
    }

    private Future<ProxyResponse> error(ProxyContext ctx, OAuthException e, String authOutcome) {
        ctx.set(AUTH, authOutcome);
        ProxyResponse r = ctx.request().response()
                .setStatusCode(e.status())
                .setStatusMessage(statusMessage(e.status()))
                .putHeader("Content-Type", "application/json")
                .setBody(Body.body(Buffer.buffer(ErrorBody.json(e.error(), e.description()))));
        r.headers().remove("Content-Length");
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            r.putHeader(h.getKey(), h.getValue());
        }
        return Future.succeededFuture(r);
    }

    private static String statusMessage(int status) {
        return io.netty.handler.codec.http.HttpResponseStatus.valueOf(status).reasonPhrase();
    }

    private void record(ProxyContext ctx, int status) {
        Timer.Sample sample = ctx.get(SAMPLE, Timer.Sample.class);
        if (sample == null) {
            return;
        }
        Route route = ctx.get(ROUTE, Route.class);
        String auth = ctx.get(AUTH, String.class);
        String routeName = route == null ? "none" : route.name();
        String outcome = auth == null ? (route != null && route.isPublic() ? "public" : "none") : auth;
        Timer timer = timers.computeIfAbsent(routeName + '|' + status + '|' + outcome, k -> Timer
                .builder("forge.gateway.requests")
                .description("Requests through the gateway by route, status and authentication outcome")
                .tag("route", routeName)
                .tag("status", Integer.toString(status))
                .tag("auth", outcome)
                .register(metrics));
        sample.stop(timer);
    }

}
