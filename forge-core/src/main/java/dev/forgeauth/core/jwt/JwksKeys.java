package dev.forgeauth.core.jwt;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import java.net.URI;
import java.security.PublicKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;

/**
 * The auth-service's public keys, fetched from its JWKS and kept in memory. Refreshed on a timer and on
 * an unknown {@code kid}, but never more often than {@code minRefetch}, and only one fetch at a time;
 * when a fetch fails the keys already known stay in use.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7517#section-5">RFC 7517 §5</a>
 */
public class JwksKeys {

    private static final Logger LOG = Logger.getLogger(JwksKeys.class);

    private final WebClient client;
    private final URI url;
    private final long minRefetchNanos;
    private volatile Map<String, PublicKey> keys = Map.of();
    private volatile long lastAttempt = System.nanoTime() - Duration.ofDays(1).toNanos();
    private final AtomicReference<Uni<Void>> inFlight = new AtomicReference<>();
    private volatile boolean loadedOnce;

    public JwksKeys(Vertx vertx, String url, Duration minRefetch) {
        this.client = WebClient.create(vertx);
        this.url = URI.create(url);
        this.minRefetchNanos = minRefetch.toNanos();
    }

    public PublicKey get(String kid) {
        return keys.get(kid);
    }

    public boolean loadedOnce() {
        return loadedOnce;
    }

    public int size() {
        return keys.size();
    }

    /** The key for {@code kid}, refetching the set if it is unknown and the rate limit allows. */
    public Uni<PublicKey> find(String kid) {
        PublicKey k = keys.get(kid);
        if (k != null) {
            return Uni.createFrom().item(k);
        }
        return refresh(false).map(v -> keys.get(kid));
    }

    /** Fetches the key set; unless forced, at most once per min-refetch interval. */
    public Uni<Void> refresh(boolean force) {
        Uni<Void> running = inFlight.get();
        if (running != null) {
            return running;
        }
        long now = System.nanoTime();
        if (!force && now - lastAttempt < minRefetchNanos) {
            return Uni.createFrom().voidItem();
        }
        Uni<Void> fetch = fetch().memoize().indefinitely();
        if (!inFlight.compareAndSet(null, fetch)) {
            return inFlight.get() == null ? Uni.createFrom().voidItem() : inFlight.get();
        }
        lastAttempt = now;
        return fetch.eventually(() -> inFlight.set(null));
    }

    private Uni<Void> fetch() {
        int port = url.getPort() > 0 ? url.getPort() : ("https".equals(url.getScheme()) ? 443 : 80);
        String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        return client.get(port, url.getHost(), path)
                .ssl("https".equals(url.getScheme()))
                .timeout(5000)
                .send()
                .map(resp -> {
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException("JWKS answered " + resp.statusCode());
                    }
                    install(resp.bodyAsString());
                    return (Void) null;
                })
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("cannot refresh JWKS from %s (%s); keeping %d known keys", url, e.getMessage(), keys.size());
                    return null;
                });
    }

    /** Replaces the key set with the one in {@code json}; visible for tests. */
    public void install(String json) {
        try {
            Map<String, PublicKey> next = new HashMap<>();
            for (JsonWebKey jwk : new JsonWebKeySet(json).getJsonWebKeys()) {
                if (jwk.getKeyId() == null || !(jwk instanceof PublicJsonWebKey p)) {
                    continue;
                }
                if (jwk.getUse() != null && !"sig".equals(jwk.getUse())) {
                    continue;
                }
                next.put(jwk.getKeyId(), p.getPublicKey());
            }
            keys = Map.copyOf(next);
            loadedOnce = true;
        } catch (org.jose4j.lang.JoseException e) {
            throw new IllegalStateException("unreadable JWKS: " + e.getMessage());
        }
    }
}
