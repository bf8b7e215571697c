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
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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
@Singleton
public class GatewayProxy {

    private static final Logger LOG = Logger.getLogger(GatewayProxy.class);
    /** Upstream answers up to this size, with a Content-Length, are collected and written in one go. */
    static final int SMALL_RESPONSE = 64 * 1024;

    private final RouteTable routes;
    private final Authenticator authenticator;
    private final RateLimiter limiter;
    private final MeterRegistry metrics;
    private final GatewayConfig.Upstream upstream;
    private final long poolWaitMillis;
    private final long bodyTimeoutNanos;
    private final long streamedBodyTimeoutNanos;
    /** Requests with a body in progress, by client address (an IPv6 /64). */
    private final ConcurrentHashMap<String, AtomicInteger> bodiesByAddress = new ConcurrentHashMap<>();
    /** Route name → auth outcome → timers by status (index status - 100). */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, AtomicReferenceArray<Timer>>> timers = new ConcurrentHashMap<>();
    private ThreadLocal<HttpClient> clients;
    private final ThreadLocal<InFlight> inFlight = ThreadLocal.withInitial(InFlight::new);

    public GatewayProxy(RouteTable routes, Authenticator authenticator, RateLimiter limiter, MeterRegistry metrics,
            GatewayConfig config) {
        this.upstream = config.upstream();
        this.poolWaitMillis = Math.max(1, upstream.poolWait().toMillis());
        this.bodyTimeoutNanos = upstream.bodyTimeout().toNanos();
        this.streamedBodyTimeoutNanos = upstream.streamedBodyTimeout().toNanos();
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
                .setDecompressionSupported(false), new PoolOptions()
                        .setHttp1MaxSize(upstream.maxPoolSize())
                        // bounded: beyond it (or after pool-wait) a request is a 503, not a growing queue
                        .setMaxWaitQueueSize(upstream.maxWaitQueue())));
        // first in line after the HTTP limits filter; only the gateway's own /q/* endpoints go on
        router.route().order(Integer.MIN_VALUE + 20).handler(this::handle);
        vertx.setPeriodic(30_000, id -> {
            limiter.sweep();
            authenticator.sweep();
        });
    }

    /** One proxied request. */
    static final class Exchange {
        final HttpServerRequest in;
        final String requestId;
        final long start = System.nanoTime();
        final boolean hasBody;
        Route route;
        String path;
        String outcome;
        HttpClientRequest out;
        RequestOptions options;
        boolean retried;
        /** A small body read whole before the upstream connection is taken (null: none, or streamed). */
        Buffer body;
        /** When the whole body must have arrived (System.nanoTime), 0 without a body. */
        long bodyDeadline;
        /** The client address key this request's body is counted under, null when not counted. */
        String bodyAddress;
        boolean continued;
        /** In flight to the upstream: the event loop's list, the last time bytes moved, the idle limit. */
        InFlight inFlight;
        Exchange prev;
        Exchange next;
        long lastActivity;
        long timeoutNanos;

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
            // the body waits (in the connection's buffers, read paused) until it can be read or streamed on
            in.pause();
            long length = parseLength(in.getHeader(HttpHeaders.CONTENT_LENGTH));
            x.bodyDeadline = x.start + (length >= 0 && length <= upstream.bufferedBodySize() ? bodyTimeoutNanos : streamedBodyTimeoutNanos);
            if (!countBody(x)) {
                refuse(x, OAuthException.tooManyRequests(1), "rate_limited");
                closeAfter(x);
                return;
            }
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
        if (!route.matrixParameters() && x.path.indexOf(';') >= 0) {
            refuse(x, OAuthException.invalidRequest("Path parameters (;) are not accepted on this route"), "none");
            return;
        }
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

    /**
     * Counts a request with a body against its client address (at most max-bodies-per-address in progress
     * at once on this instance); false when the address is over it. Released when the answer ends or the
     * client leaves.
     */
    private boolean countBody(Exchange x) {
        int max = upstream.maxBodiesPerAddress();
        if (max <= 0) {
            return true;
        }
        SocketAddress client = x.in.remoteAddress();
        String key = client == null ? "unknown" : dev.forgeauth.gateway.auth.UnknownCredentials.key(client.hostAddress());
        AtomicInteger n = bodiesByAddress.computeIfAbsent(key, k -> new AtomicInteger());
        if (n.incrementAndGet() > max) {
            release(key, n);
            return false;
        }
        x.bodyAddress = key;
        HttpServerResponse sr = x.in.response();
        sr.endHandler(v -> releaseBody(x));
        sr.closeHandler(v -> releaseBody(x));
        return true;
    }

    private void releaseBody(Exchange x) {
        String key = x.bodyAddress;
        if (key == null) {
            return;
        }
        x.bodyAddress = null;
        AtomicInteger n = bodiesByAddress.get(key);
        if (n != null) {
            release(key, n);
        }
    }

    private void release(String key, AtomicInteger n) {
        if (n.decrementAndGet() <= 0) {
            bodiesByAddress.remove(key, n);
            // a concurrent increment on the removed counter is re-counted on a fresh one next time: the
            // limit may be off by the few requests of that instant, never stuck
        }
    }

    /** Requests with a body in progress from the address {@code key} (for tests and metrics). */
    int bodiesInProgress(String key) {
        AtomicInteger n = bodiesByAddress.get(key);
        return n == null ? 0 : n.get();
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
                        authority == null ? null : authority.toString()));
        // the route's timeout: no byte moving either way for that long (checked by the event loop's sweep,
        // not a timer per request)
        x.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(x.route.timeoutMillis());
        inFlight.get().add(x);
        // the client may leave while the upstream works: stop the upstream request too
        in.response().closeHandler(v -> {
            releaseBody(x);
            done(x);
            if (x.out != null) {
                x.out.reset();
            }
        });
        // the wait for a pooled connection is bounded too (then 503)
        options.setConnectTimeout(poolWaitMillis);
        x.options = options;
        long length = x.hasBody && in.version() != HttpVersion.HTTP_2 ? parseLength(in.getHeader(HttpHeaders.CONTENT_LENGTH)) : -1;
        if (length >= 0 && length <= upstream.bufferedBodySize()) {
            readBody(x, (int) length);
            return;
        }
        connect(x);
    }

    /**
     * A small body is read whole before an upstream connection is taken: a client that trickles it holds
     * only its own connection, never one of the upstream pool's. The whole-body deadline (checked by the
     * sweep) ends a body that does not arrive in time.
     */
    private void readBody(Exchange x, int length) {
        HttpServerRequest in = x.in;
        String expect = in.getHeader(HttpHeaders.EXPECT);
        if (expect != null && expect.equalsIgnoreCase("100-continue")) {
            in.response().writeContinue();
            x.continued = true;
        }
        Buffer body = Buffer.buffer(length);
        in.handler(chunk -> {
            x.lastActivity = System.nanoTime();
            body.appendBuffer(chunk);
        });
        in.exceptionHandler(e -> {
            // the client broke off its body: nothing goes upstream
            done(x);
            LOG.debugf("request body on route %s cut: %s", x.route.name(), e.toString());
        });
        in.endHandler(v -> {
            if (x.inFlight == null) {
                return; // timed out or abandoned while reading
            }
            x.body = body;
            x.lastActivity = System.nanoTime();
            connect(x);
        });
        in.resume();
    }

    private void connect(Exchange x) {
        clients.get().request(x.options).onComplete(ar -> {
            if (ar.failed()) {
                if (poolExhausted(ar.cause())) {
                    if (x.inFlight != null) {
                        done(x);
                        LOG.debugf("no upstream connection for route %s: %s", x.route.name(), ar.cause().toString());
                        refuse(x, new OAuthException(dev.forgeauth.core.error.OAuthErrors.TEMPORARILY_UNAVAILABLE,
                                "The upstream service is busy", 503, Map.of("Retry-After", "1")), "upstream_busy");
                    }
                    return;
                }
                upstreamFailed(x, ar.cause());
                return;
            }
            if (x.inFlight == null) {
                ar.result().reset(); // timed out or abandoned while connecting
                return;
            }
            send(x, ar.result());
        });
    }

    /** No pooled connection within pool-wait, or the wait queue is full. */
    private static boolean poolExhausted(Throwable e) {
        return e instanceof io.vertx.core.http.ConnectionPoolTooBusyException
                || e instanceof TimeoutException && String.valueOf(e.getMessage()).contains("getting a connection");
    }

    private void send(Exchange x, HttpClientRequest out) {
        x.out = out;
        out.response().onComplete(ar -> {
            if (x.out == out) { // not a request given up for a retry
                respond(x, ar);
            }
        });
        if (!x.hasBody) {
            out.end();
            return;
        }
        if (x.body != null) {
            out.end(x.body);
            return;
        }
        HttpServerRequest in = x.in;
        if (in.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
            out.setChunked(true);
        }
        String expect = in.getHeader(HttpHeaders.EXPECT);
        if (!x.continued && expect != null && expect.equalsIgnoreCase("100-continue")) {
            // authorised and connected: the client may send its body now
            in.response().writeContinue();
        }
        // the request body streams with back-pressure; a body cut short is not completed upstream
        pump(x, in, out, out::end, e -> out.reset(0, e));
    }

    private void respond(Exchange x, AsyncResult<HttpClientResponse> ar) {
        if (ar.failed()) {
            upstreamFailed(x, ar.cause());
            return;
        }
        HttpClientResponse resp = ar.result();
        HttpServerResponse sr = x.in.response();
        if (sr.ended() || sr.closed() || x.inFlight == null) {
            done(x);
            x.out.reset();
            return;
        }
        x.lastActivity = System.nanoTime();
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
            resp.end().onComplete(v -> {
                done(x);
                sr.end();
            });
            return;
        }
        long declared = parseLength(length);
        if (declared >= 0 && declared <= SMALL_RESPONSE) {
            // small and of known size: head and body in one write
            resp.body().onComplete(body -> {
                if (body.succeeded()) {
                    done(x);
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
        pump(x, resp, sr, () -> {
            done(x);
            sr.end();
        }, e -> abort(x, e));
    }

    /**
     * Streams {@code src} into {@code dst} with back-pressure (the source pauses while the destination's
     * write queue is full), marking the exchange active on every chunk. {@code onEnd} runs when the
     * source ends; {@code onFailure} when either side fails (the destination is then not ended).
     */
    private static void pump(Exchange x, io.vertx.core.streams.ReadStream<Buffer> src,
            io.vertx.core.streams.WriteStream<Buffer> dst, Runnable onEnd, java.util.function.Consumer<Throwable> onFailure) {
        boolean[] failed = {false};
        java.util.function.Consumer<Throwable> fail = e -> {
            if (!failed[0]) {
                failed[0] = true;
                onFailure.accept(e);
            }
        };
        dst.exceptionHandler(fail::accept);
        src.exceptionHandler(fail::accept);
        src.endHandler(v -> {
            if (!failed[0]) {
                onEnd.run();
            }
        });
        src.handler(chunk -> {
            x.lastActivity = System.nanoTime();
            dst.write(chunk);
            if (dst.writeQueueFull()) {
                src.pause();
                dst.drainHandler(v -> src.resume());
            }
        });
        src.resume();
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
        if (x.inFlight == null) {
            return; // already answered, timed out or abandoned: this is the echo of that
        }
        HttpServerResponse sr = x.in.response();
        boolean timeout = e instanceof TimeoutException || e.getClass().getSimpleName().contains("Timeout")
                || String.valueOf(e.getMessage()).toLowerCase().contains("timeout");
        if (!timeout && !x.retried && !x.hasBody && safe(x.in.method()) && !sr.headWritten() && !sr.ended()
                && !sr.closed()) {
            // Once, for a safe request without a body that got nothing back: typically a pooled keep-alive
            // connection the upstream closed just as the request went out. Nothing else is ever retried
            // (a request with a body, or a method that changes state, may have been acted on).
            LOG.debugf("upstream of route %s failed (%s): retrying once on a new connection", x.route.name(), e.toString());
            x.retried = true;
            if (x.out != null) {
                x.out.reset();
                x.out = null;
            }
            x.lastActivity = System.nanoTime();
            connect(x);
            return;
        }
        done(x);
        if (sr.headWritten() || sr.ended() || sr.closed()) {
            abort(x, e);
            return;
        }
        LOG.debugf("upstream of route %s failed: %s", x.route.name(), e.toString());
        refuse(x, timeout
                ? new OAuthException("upstream_timeout", "The upstream service did not answer in time", 504)
                : new OAuthException("bad_gateway", "The upstream service is unavailable", 502), "upstream_error");
        if (x.out != null) {
            x.out.reset();
        }
    }

    private static boolean safe(HttpMethod m) {
        return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS;
    }

    /** An answer that cannot be completed: close the client's connection so it cannot look whole. */
    private void abort(Exchange x, Throwable e) {
        done(x);
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

    /** The exchange no longer waits on its upstream. */
    private static void done(Exchange x) {
        if (x.inFlight != null) {
            x.inFlight.remove(x);
        }
    }

    /**
     * The exchanges of one event loop that wait on an upstream, in a list the loop sweeps every
     * {@value #SWEEP_MILLIS} ms for those idle longer than their route's timeout: one periodic timer per
     * event loop instead of a timer set and cancelled for every request. Only its own event loop touches
     * it (each loop has its own upstream client, so every callback of an exchange runs there).
     */
    final class InFlight {
        static final long SWEEP_MILLIS = 100;
        private Exchange head;
        private long timer = -1;

        void add(Exchange x) {
            x.inFlight = this;
            x.lastActivity = System.nanoTime();
            x.prev = null;
            x.next = head;
            if (head != null) {
                head.prev = x;
            }
            head = x;
            if (timer < 0) {
                // on the current (event-loop) context: the sweep runs on this loop's thread
                timer = Vertx.currentContext().owner().setPeriodic(SWEEP_MILLIS, id -> sweep());
            }
        }

        void remove(Exchange x) {
            if (x.inFlight != this) {
                return;
            }
            if (x.prev != null) {
                x.prev.next = x.next;
            } else {
                head = x.next;
            }
            if (x.next != null) {
                x.next.prev = x.prev;
            }
            x.prev = null;
            x.next = null;
            x.inFlight = null;
        }

        void sweep() {
            long now = System.nanoTime();
            for (Exchange x = head; x != null;) {
                Exchange next = x.next;
                if (x.bodyDeadline != 0 && !x.in.isEnded()
                        && (now - x.bodyDeadline > 0 || x.out == null && now - x.lastActivity > x.timeoutNanos)) {
                    bodyTimedOut(x);
                } else if (now - x.lastActivity > x.timeoutNanos) {
                    upstreamFailed(x, new TimeoutException("no bytes from or to the upstream for "
                            + TimeUnit.NANOSECONDS.toMillis(x.timeoutNanos) + " ms"));
                }
                x = next;
            }
        }
    }

    /** The request body did not arrive whole within its deadline: 408 JSON, and the connection ends. */
    private void bodyTimedOut(Exchange x) {
        done(x);
        if (x.out != null) {
            x.out.reset();
        }
        HttpServerResponse sr = x.in.response();
        if (!sr.headWritten() && !sr.ended() && !sr.closed()) {
            refuse(x, new OAuthException("request_timeout", "The request body did not arrive in time", 408), "body_timeout");
        }
        closeAfter(x);
    }

    /** Ends the client's connection after what was written (HTTP/2: the stream only). */
    private static void closeAfter(Exchange x) {
        HttpServerRequest in = x.in;
        if (in.response().closed()) {
            return;
        }
        if (in.version() == HttpVersion.HTTP_2) {
            in.response().reset();
        } else {
            in.connection().close();
        }
    }

    // --- answers of the gateway's own ---------------------------------------------------------------

    private void refuse(Exchange x, OAuthException e, String outcome) {
        x.outcome = outcome;
        HttpServerRequest in = x.in;
        HttpServerResponse sr = in.response();
        if (sr.ended() || sr.closed()) {
            releaseBody(x);
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
