package dev.forgeauth.gateway.route;

import dev.forgeauth.gateway.config.GatewayConfig;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The route table from configuration, validated when the gateway starts: a gateway with a route it cannot
 * honour refuses to start, with a message naming the route. Matching is longest prefix first, on the
 * normalised path, at segment boundaries ({@code /api/v1/deploymentsX} does not match
 * {@code /api/v1/deployments}).
 */
@Singleton
public class RouteTable {

    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "default");

    private record Entry(String prefix, Route route) {
    }

    private final List<Entry> entries;

    public RouteTable(GatewayConfig config) {
        this.entries = build(config);
    }

    static List<Entry> build(GatewayConfig config) {
        if (config.routes().isEmpty()) {
            throw new IllegalStateException("forge.gateway.routes is empty: the gateway has nowhere to send requests");
        }
        List<Entry> out = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        config.routes().forEach((name, rc) -> {
            String where = "route '" + name + "': ";
            if (rc.prefixes().isEmpty()) {
                throw new IllegalStateException(where + "no prefixes");
            }
            List<Route.Upstream> ups = new ArrayList<>();
            for (String u : rc.upstreams()) {
                try {
                    ups.add(Route.Upstream.parse(u.trim()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException(where + e.getMessage());
                }
            }
            if (ups.isEmpty()) {
                throw new IllegalStateException(where + "no upstreams");
            }
            for (String m : rc.scopes().keySet()) {
                if (!METHODS.contains(m)) {
                    throw new IllegalStateException(where + "unknown method '" + m + "' in scopes (use "
                            + METHODS + ")");
                }
            }
            if (!rc.isPublic()) {
                for (String m : List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")) {
                    String s = rc.scopes().getOrDefault(m, rc.scopes().get("default"));
                    if (s == null || s.isBlank() || s.contains(" ")) {
                        throw new IllegalStateException(where + "method " + m
                                + " has no required scope (one scope per method; set scopes.default)");
                    }
                }
            }
            if (rc.timeout().isNegative() || rc.timeout().isZero()) {
                throw new IllegalStateException(where + "timeout must be positive");
            }
            if (rc.rateLimit().isPresent() && rc.rateLimit().get() < 1) {
                throw new IllegalStateException(where + "rate-limit must be at least 1 per second");
            }
            Route route = new Route(name, List.copyOf(rc.prefixes()), List.copyOf(ups), rc.isPublic(),
                    Map.copyOf(rc.scopes()), rc.timeout().toMillis(), rc.apiKeyQuery(),
                    rc.rateLimit().orElse(config.rateLimit().perSecond()), rc.matrixParameters());
            for (String p : rc.prefixes()) {
                String normalised;
                try {
                    normalised = PathNormalizer.normalize(p.trim());
                } catch (PathNormalizer.BadPathException e) {
                    throw new IllegalStateException(where + "prefix '" + p + "': " + e.getMessage());
                }
                if (normalised.length() > 1 && normalised.endsWith("/")) {
                    normalised = normalised.substring(0, normalised.length() - 1);
                }
                if (!normalised.equals(p.trim()) && !(normalised + "/").equals(p.trim())) {
                    throw new IllegalStateException(where + "prefix '" + p + "' is not normalised (use '"
                            + normalised + "')");
                }
                String other = seen.put(normalised, name);
                if (other != null) {
                    throw new IllegalStateException(where + "prefix '" + normalised + "' is also claimed by route '"
                            + other + "'");
                }
                out.add(new Entry(normalised, route));
            }
        });
        out.sort(Comparator.comparingInt((Entry e) -> e.prefix.length()).reversed());
        return List.copyOf(out);
    }

    /** The route for a normalised path, or null. */
    public Route match(String path) {
        for (Entry e : entries) {
            String p = e.prefix;
            if (p.equals("/") || path.equals(p) || path.startsWith(p) && path.charAt(p.length()) == '/') {
                return e.route;
            }
        }
        return null;
    }
}
