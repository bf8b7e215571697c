package dev.forgeauth.gateway.route;

import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** One validated route: where it goes, what it needs. */
public final class Route {

    /**
     * An upstream base address.
     *
     * @param address where to connect (built once: unresolved host names are resolved by Vert.x per
     *        connection, as DNS says)
     */
    public record Upstream(String host, int port, boolean ssl, String basePath, SocketAddress address) {
        static Upstream parse(String url) {
            URI u = URI.create(url);
            if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw new IllegalArgumentException("upstream must be an http(s) URL with a host: " + url);
            }
            boolean ssl = "https".equals(u.getScheme());
            int port = u.getPort() > 0 ? u.getPort() : (ssl ? 443 : 80);
            String base = u.getRawPath() == null || u.getRawPath().equals("/") ? "" : u.getRawPath();
            if (base.endsWith("/")) {
                base = base.substring(0, base.length() - 1);
            }
            return new Upstream(u.getHost(), port, ssl, base, SocketAddress.inetSocketAddress(port, u.getHost()));
        }
    }

    private final String name;
    private final List<String> prefixes;
    private final List<Upstream> upstreams;
    private final boolean isPublic;
    private final Map<String, String> scopes;
    private final long timeoutMillis;
    private final boolean apiKeyQuery;
    private final int rateLimit;
    private final boolean matrixParameters;
    private final AtomicInteger next = new AtomicInteger();

    public Route(String name, List<String> prefixes, List<Upstream> upstreams, boolean isPublic,
            Map<String, String> scopes, long timeoutMillis, boolean apiKeyQuery, int rateLimit,
            boolean matrixParameters) {
        this.name = name;
        this.prefixes = prefixes;
        this.upstreams = upstreams;
        this.isPublic = isPublic;
        this.scopes = scopes;
        this.timeoutMillis = timeoutMillis;
        this.apiKeyQuery = apiKeyQuery;
        this.rateLimit = rateLimit;
        this.matrixParameters = matrixParameters;
    }

    public String name() {
        return name;
    }

    public List<String> prefixes() {
        return prefixes;
    }

    public boolean isPublic() {
        return isPublic;
    }

    public long timeoutMillis() {
        return timeoutMillis;
    }

    public boolean apiKeyQuery() {
        return apiKeyQuery;
    }

    public int rateLimit() {
        return rateLimit;
    }

    /**
     * Whether paths may carry {@code ;} parameters (RFC 3986 §3.3) to this route's upstream. Off by
     * default: servers disagree on what {@code /a;x/b} means (Tomcat drops {@code ;x}, others keep it),
     * and a path the gateway and the upstream read differently is a way around the route's scopes.
     */
    public boolean matrixParameters() {
        return matrixParameters;
    }

    /** The scope a method needs; HEAD falls back to GET, then to {@code default}. */
    public String requiredScope(String method) {
        String s = scopes.get(method);
        if (s == null && "HEAD".equals(method)) {
            s = scopes.get("GET");
        }
        return s != null ? s : scopes.get("default");
    }

    /** Round robin over the upstreams. */
    public Upstream nextUpstream() {
        if (upstreams.size() == 1) {
            return upstreams.get(0);
        }
        return upstreams.get(Math.floorMod(next.getAndIncrement(), upstreams.size()));
    }
}
