package dev.forgeauth.core.http;

import dev.forgeauth.core.error.ErrorBody;
import dev.forgeauth.core.error.OAuthErrors;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.quarkus.vertx.VertxOptionsCustomizer;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.http.impl.Http1xServerRequest;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingOptions;
import jakarta.inject.Singleton;
import java.util.Map;

/**
 * Requests the HTTP codec cannot parse get the contract's JSON error too: a bare CR or LF, a header name
 * with a backslash, a space before the colon or another character outside RFC 9110's {@code token}, a
 * control character in a value (400 {@code invalid_request}); a request line or header block over
 * Vert.x' limits (414, 431). Vert.x answers those itself with an empty body before any route runs
 * (its {@code invalidRequestHandler}), and Quarkus creates the HTTP server without a way to set that
 * handler.
 *
 * <p>How: Vert.x calls the tracer for every request just before it picks the request's handler, and
 * picks the connection's invalid-request handler afresh for each request. For a request that failed to
 * decode the tracer installs this class's handler on that connection; for every other request it is one
 * method call with no allocation. No tracing is done (the tracer records nothing, and a service that
 * configures real tracing gets its own factory instead: then the codec's bare answers come back).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9112#section-2.2">RFC 9112 §2.2 (bare CR)</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9112#section-5">RFC 9112 §5 (field syntax)</a>
 */
@Singleton
public class CodecErrors implements VertxOptionsCustomizer {

    static final Handler<HttpServerRequest> ANSWER = CodecErrors::answer;

    private static final VertxTracer<Object, Object> TRACER = new VertxTracer<>() {
        @Override
        public <R> Object receiveRequest(Context context, SpanKind kind, io.vertx.core.tracing.TracingPolicy policy,
                R request, String operation, Iterable<Map.Entry<String, String>> headers, TagExtractor<R> tagExtractor) {
            if (request instanceof Http1xServerRequest r && r.decoderResult().isFailure()
                    && r.connection() instanceof Http1xServerConnection c) {
                c.invalidRequestHandler(ANSWER);
            }
            return null;
        }
    };

    @Override
    public void accept(VertxOptions options) {
        if (options.getTracingOptions() == null || options.getTracingOptions().getFactory() == null) {
            options.setTracingOptions(new TracingOptions().setFactory(o -> TRACER));
        }
    }

    static void answer(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        int status = 400;
        String error = OAuthErrors.INVALID_REQUEST;
        String description = "The request is not valid HTTP (RFC 9112): bare CR or LF, a malformed header "
                + "name or a control character in a header value";
        if (cause instanceof TooLongHttpLineException) {
            status = 414;
            description = "The request line is too long";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = 431;
            error = OAuthErrors.HEADERS_TOO_LARGE;
            description = "Request headers too large";
        }
        // the connection cannot be trusted to be in step after a request that failed to parse: close it
        request.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(ErrorBody.json(error, description))
                .onComplete(v -> request.connection().close());
    }
}
