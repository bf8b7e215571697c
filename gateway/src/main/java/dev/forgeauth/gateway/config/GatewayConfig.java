package dev.forgeauth.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's configuration: the route table (configuration, not code) and how opaque credentials
 * are resolved. Validated at start by {@link dev.forgeauth.gateway.route.RouteTable}.
 *
 * <pre>
 * forge.gateway.routes.deployments.prefixes=/api/v1/deployments
 * forge.gateway.routes.deployments.upstreams=http://127.0.0.1:8090
 * forge.gateway.routes.deployments.scopes.GET=deployment:read
 * forge.gateway.routes.deployments.scopes.default=deployment:write
 * </pre>
 */
@ConfigMapping(prefix = "forge.gateway")
public interface GatewayConfig {

    /** Routes by name. */
    Map<String, RouteConfig> routes();

    Introspection introspection();

    RateLimit rateLimit();

    UnknownCredentials unknownCredentials();

    Upstream upstream();

    interface RouteConfig {
        /** Path prefixes; a prefix matches itself and everything below it. Longest prefix wins. */
        List<String> prefixes();

        /** One or more upstream base URLs (http://host:port), used in turn. */
        List<String> upstreams();

        /** Public routes are not authenticated here: the upstream endpoint checks its own credentials. */
        @WithName("public")
        @WithDefault("false")
        boolean isPublic();

        /** Required scope per HTTP method; {@code default} for methods not listed. */
        Map<String, String> scopes();

        /** Upstream response timeout (idle time waiting for bytes). */
        @WithDefault("30s")
        Duration timeout();

        /** Accept an API key in the {@code api_key} query parameter (off: query strings end up in logs). */
        @WithDefault("false")
        boolean apiKeyQuery();

        /** Requests per second per credential on this route; the gateway-wide default when absent. */
        Optional<Integer> rateLimit();

        /**
         * Let {@code ;} path parameters ({@code /a;v=1/b}) through to the upstream. Off: such a path is a
         * 400, since servers disagree on what it means. Dot segments with parameters ({@code ..;}) are
         * refused whatever this says.
         */
        @WithDefault("false")
        boolean matrixParameters();
    }

    interface Introspection {
        /** The introspection endpoint, for opaque credentials (PATs, API keys, sessions). */
        @WithDefault("http://127.0.0.1:8082/oauth/introspect")
        String url();

        /** The gateway's own client (scope introspect). Without it opaque credentials are refused. */
        Optional<String> clientId();

        Optional<String> clientSecret();

        /** How long an opaque credential's answer is reused; revocations clear it at once. */
        @WithDefault("10s")
        Duration cacheTtl();

        /**
         * Connections to the introspection service per gateway instance. Only credentials not in the
         * cache use one (for at most the call's 5 s timeout), so this bounds what a flood of new
         * credentials can make the gateway ask of introspection at once.
         */
        @WithDefault("64")
        int maxPoolSize();

        /** Calls waiting for one of those connections; beyond it a request is answered 503 at once. */
        @WithDefault("512")
        int maxWaitQueue();
    }

    /** Well-formed opaque credentials that introspection does not know, per client address. */
    interface UnknownCredentials {
        /**
         * Unknown credentials an address (an IPv6 /64) may present in one window; after that its uncached
         * credentials are refused with 429 without an introspection call until the window ends. 0: no limit.
         */
        @WithDefault("30")
        int perAddress();

        @WithDefault("60s")
        Duration window();

        /** Addresses tracked at once (memory bound under a flood from many addresses). */
        @WithDefault("100000")
        int maxAddresses();
    }

    /** Upstream connections and request bodies. */
    interface Upstream {
        /** Connections per upstream address and event loop. */
        @WithDefault("128")
        int maxPoolSize();

        /** Requests waiting for a pooled connection, per upstream address and event loop; beyond it 503. */
        @WithDefault("1024")
        int maxWaitQueue();

        /** How long a request waits for a pooled connection before it is answered 503. */
        @WithDefault("3s")
        Duration poolWait();

        /**
         * Bodies up to this size with a Content-Length (the services' own limit) are read whole before an
         * upstream connection is taken, so a client that trickles its body holds no upstream connection.
         */
        @WithDefault("65536")
        int bufferedBodySize();

        /** Deadline for the whole of a buffered (small) body, from the request head: then 408. */
        @WithDefault("10s")
        Duration bodyTimeout();

        /** Deadline for the whole of a streamed (large or chunked) body, from the request head: then 408. */
        @WithDefault("10m")
        Duration streamedBodyTimeout();

        /**
         * Requests with a body in progress (reading or sending it) per client address (an IPv6 /64) on this
         * instance; beyond it 429 with Connection: close. 0: no limit.
         */
        @WithDefault("64")
        int maxBodiesPerAddress();
    }

    interface RateLimit {
        /**
         * Requests per second per credential (client or subject), shared by every gateway instance. The
         * bucket holds two seconds' worth, so a quiet client may burst to twice the rate.
         */
        @WithDefault("100")
        int perSecond();
    }
}
