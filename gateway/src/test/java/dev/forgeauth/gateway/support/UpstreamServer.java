package dev.forgeauth.gateway.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.forgeauth.testing.LocalInfra;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real upstream on a socket: answers every request with JSON of what it received (method, raw path,
 * query, headers, body size), counts requests per path, and has a slow path. Also reserves a port with
 * nothing listening, for the "upstream is down" route.
 */
public class UpstreamServer implements QuarkusTestResourceLifecycleManager {

    public static final Map<String, AtomicInteger> HITS = new java.util.concurrent.ConcurrentHashMap<>();
    private HttpServer server;

    public static int hits(String pathPrefix) {
        return HITS.entrySet().stream().filter(e -> e.getKey().startsWith(pathPrefix))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    public static int totalHits() {
        return HITS.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newFixedThreadPool(8));
            server.createContext("/", this::echo);
            server.start();
            String up = "http://127.0.0.1:" + server.getAddress().getPort();
            String down = "http://127.0.0.1:" + LocalInfra.freePort();
            Map<String, String> c = new HashMap<>();
            for (String r : List.of("deployments", "infrastructure", "auth", "introspection")) {
                c.put("forge.gateway.routes." + r + ".upstreams", up);
            }
            // opaque credentials are introspected here (see introspect): known ones are in ACTIVE
            c.put("forge.gateway.introspection.url", up + "/oauth/introspect");
            c.put("forge.gateway.introspection.client-id", "gateway-test");
            c.put("forge.gateway.introspection.client-secret", "gateway-test-secret");
            // SlowBodyTest waits for it: short
            c.put("forge.gateway.upstream.body-timeout", "1500ms");
            c.put("forge.gateway.routes.down.prefixes", "/api/v1/down");
            c.put("forge.gateway.routes.down.upstreams", down);
            c.put("forge.gateway.routes.down.scopes.default", "deployment:read");
            c.put("forge.gateway.routes.slow.prefixes", "/api/v1/slow");
            c.put("forge.gateway.routes.slow.upstreams", up);
            c.put("forge.gateway.routes.slow.timeout", "300ms");
            c.put("forge.gateway.routes.slow.scopes.default", "deployment:read");
            c.put("forge.gateway.routes.limited.prefixes", "/api/v1/limited");
            c.put("forge.gateway.routes.limited.upstreams", up);
            c.put("forge.gateway.routes.limited.rate-limit", "1");
            c.put("forge.gateway.routes.limited.scopes.default", "deployment:read");
            c.put("forge.gateway.routes.matrix.prefixes", "/api/v1/matrix");
            c.put("forge.gateway.routes.matrix.upstreams", up);
            c.put("forge.gateway.routes.matrix.matrix-parameters", "true");
            c.put("forge.gateway.routes.matrix.scopes.default", "deployment:read");
            c.put("forge.gateway.routes.keyquery.prefixes", "/api/v1/keyquery");
            c.put("forge.gateway.routes.keyquery.upstreams", up);
            c.put("forge.gateway.routes.keyquery.api-key-query", "true");
            c.put("forge.gateway.routes.keyquery.scopes.default", "deployment:read");
            return c;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Introspection calls per token. */
    public static final Map<String, AtomicInteger> INTROSPECTIONS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Credentials the stand-in introspection answers as active, with the scope they carry. */
    public static final Map<String, String> ACTIVE = new java.util.concurrent.ConcurrentHashMap<>();

    /** The subject introspection reports for a credential, where it is not "kind-user". */
    public static final Map<String, String> SUBJECT = new java.util.concurrent.ConcurrentHashMap<>();

    /** The kind introspection reports for a credential, where it is not the one its prefix says. */
    public static final Map<String, String> KIND = new java.util.concurrent.ConcurrentHashMap<>();

    /** A new well-formed credential of the kind {@code prefix} that introspection answers as active. */
    public static String active(String prefix, String scope) {
        String token = dev.forgeauth.core.token.OpaqueTokens.generate(prefix);
        ACTIVE.put(token, scope);
        return token;
    }

    /**
     * A stand-in introspection endpoint (RFC 7662): the credentials in {@link #ACTIVE} are active, of the
     * kind their prefix says (a refresh token too, as the real one answers), answered after 300 ms, with
     * {@code jti} "id-" + the token (the id their revocation is announced under) and subject "kind-user"
     * unless {@link #SUBJECT} names another; anything else is inactive.
     */
    private void introspect(HttpExchange ex) throws IOException {
        String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String token = java.net.URLDecoder.decode(form.replaceFirst("^token=", ""), StandardCharsets.UTF_8);
        INTROSPECTIONS.computeIfAbsent(token, t -> new AtomicInteger()).incrementAndGet();
        JsonObject answer = new JsonObject().put("active", false);
        String scope = ACTIVE.get(token);
        if (scope != null) {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String kind = token.startsWith("dfpat_") ? "pat" : token.startsWith("sk_live_") ? "api_key"
                    : token.startsWith("dfs_") ? "session" : token.startsWith("df_rt_") ? "refresh_token" : "unknown";
            kind = KIND.getOrDefault(token, kind);
            long now = System.currentTimeMillis() / 1000;
            answer = new JsonObject().put("active", true).put("scope", scope)
                    .put("sub", SUBJECT.getOrDefault(token, kind + "-user"))
                    .put("jti", "id-" + token).put("iat", now - 10)
                    .put("forge_token_kind", kind).put("exp", now + 3600);
        }
        byte[] body = answer.encode().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    private void echo(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        if (path.equals("/oauth/introspect") && "gateway-test".equals(basicUser(ex))) {
            introspect(ex);
            return;
        }
        HITS.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        long size = 0;
        try (InputStream in = ex.getRequestBody()) {
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                size += n;
            }
        }
        if (path.startsWith("/api/v1/slow")) {
            try {
                Thread.sleep(2000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }
        if (path.startsWith("/api/v1/deployments/download/")) {
            // /download/<bytes>[/chunked]: that many bytes, with a length or chunked
            String[] parts = path.split("/");
            long n = Long.parseLong(parts[5]);
            boolean chunked = parts.length > 6 && "chunked".equals(parts[6]);
            ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
            ex.sendResponseHeaders(200, chunked ? 0 : n);
            byte[] chunk = new byte[65536];
            java.util.Arrays.fill(chunk, (byte) 'x');
            try (var out = ex.getResponseBody()) {
                for (long left = n; left > 0; left -= chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, left));
                }
            }
            return;
        }
        if (path.startsWith("/api/v1/deployments/nocontent")) {
            ex.sendResponseHeaders(204, -1);
            ex.close();
            return;
        }
        JsonObject headers = new JsonObject();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(", ", v)));
        byte[] body = new JsonObject().put("method", ex.getRequestMethod()).put("path", path)
                .put("query", ex.getRequestURI().getRawQuery()).put("headers", headers).put("body_bytes", size)
                .encode().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.getResponseHeaders().add("Connection", "keep-alive");
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(200, -1);
        } else {
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    private static String basicUser(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.startsWith("Basic ")) {
            return null;
        }
        String decoded = new String(java.util.Base64.getDecoder().decode(h.substring(6)), StandardCharsets.UTF_8);
        return decoded.substring(0, Math.max(0, decoded.indexOf(':')));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
