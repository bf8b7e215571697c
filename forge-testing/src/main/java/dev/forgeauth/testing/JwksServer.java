package dev.forgeauth.testing;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JWKS endpoint standing in for the auth-service's, on a real socket: it serves what
 * {@link TestKeys} publishes and counts how often it is fetched.
 */
public class JwksServer implements QuarkusTestResourceLifecycleManager {

    public static final AtomicInteger FETCHES = new AtomicInteger();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/oauth/jwks", ex -> {
            FETCHES.incrementAndGet();
            byte[] body = TestKeys.publishedJwks().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return Map.of("forge.jwt.jwks-url", "http://127.0.0.1:" + server.getAddress().getPort() + "/oauth/jwks",
                "forge.jwt.jwks-min-refetch", "2s");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
