package dev.forgeauth.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.revocation.RevocationView;
import dev.forgeauth.gateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.inject.Singleton;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Resolves opaque credentials (PATs, API keys, session ids) through the introspection service, with a
 * short local cache keyed by the credential's hash. Every cache hit is checked against the revocation
 * view (the credential's id, its client's and subject's cut-offs), and a revocation learnt from the feed
 * evicts the one entry it names (found through an index by the id introspection answers as {@code jti}),
 * so a revoked credential stops working within the feed's delay, not the TTL, and a flood of
 * revocations costs every other credential nothing.
 */
@Singleton
public class OpaqueCredentials {

    private static final Logger LOG = Logger.getLogger(OpaqueCredentials.class);

    private final WebClient client;
    private final URI url;
    private final String basic;
    private final Cache<String, Optional<Cached>> cache;
    /** Introspections in flight, by credential hash: concurrent requests for one credential share one. */
    private final java.util.concurrent.ConcurrentHashMap<String, Uni<Optional<Cached>>> pending =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Bumped by every revocation of a token: an answer fetched across one is used once but not cached. */
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();
    /** Credential id ({@code jti} of the introspection answer) to cache key. */
    private final java.util.concurrent.ConcurrentHashMap<String, String> keyById =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final RevocationView revocations;

    /**
     * The kinds of opaque credential the gateway accepts (the contract's {@code X-Auth-Token-Type}
     * values): an active introspection answer of any other kind (a refresh token) counts as inactive.
     */
    static final Set<String> ACCEPTED = Set.of("pat", "api_key", Identity.SESSION);

    /**
     * An answer and the moment the credential expires, so a cached answer never outlives it; with the
     * credential's id and issue time for the revocation check on every hit.
     */
    record Cached(Identity identity, long expiresAt, String id, long issuedAt) {
    }

    public OpaqueCredentials(Vertx vertx, GatewayConfig config, RevocationView revocations) {
        // a bounded pool and wait queue: a flood of uncached credentials waits here (or is a 503), it does
        // not pile up an unbounded queue of calls
        this.client = WebClient.create(vertx, new io.vertx.ext.web.client.WebClientOptions()
                .setMaxPoolSize(config.introspection().maxPoolSize())
                .setMaxWaitQueueSize(config.introspection().maxWaitQueue())
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout(2000));
        this.url = URI.create(config.introspection().url());
        var id = config.introspection().clientId().filter(s -> !s.isBlank());
        var secret = config.introspection().clientSecret().filter(s -> !s.isBlank());
        this.basic = id.isPresent() && secret.isPresent()
                ? "Basic " + Base64.getEncoder().encodeToString((form(id.get()) + ":" + form(secret.get()))
                        .getBytes(StandardCharsets.UTF_8))
                : null;
        this.revocations = revocations;
        this.cache = Caffeine.newBuilder().executor(Runnable::run).maximumSize(100_000)
                .expireAfterWrite(config.introspection().cacheTtl())
                .removalListener((String key, Optional<Cached> value, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                    if (value != null && value.isPresent() && value.get().id() != null) {
                        keyById.remove(value.get().id(), key);
                    }
                })
                .build();
        revocations.onTokenRevoked(this::evict);
    }

    /**
     * A revocation learnt: drops the one answer it names. A client or subject cut-off (null) evicts
     * nothing: every hit checks the cut-offs.
     */
    void evict(String tokenId) {
        if (tokenId == null) {
            return;
        }
        generation.incrementAndGet();
        String key = keyById.remove(tokenId);
        if (key != null) {
            cache.invalidate(key);
        }
    }

    /** Whether the revocation view names this answer (its id, or a cut-off of its client or subject). */
    private boolean revoked(Cached c) {
        Identity i = c.identity();
        return revocations.isRevoked(c.id(), i.clientId(), i.subject(), c.issuedAt());
    }

    /** Entries in the cache (for tests and metrics). */
    public long cachedCount() {
        return cache.estimatedSize();
    }

    private static String form(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    public boolean enabled() {
        return basic != null;
    }

    /**
     * The cached answer for an opaque credential that is active: its identity, or null when the cache
     * does not know it as active (unknown, expired, or known inactive: {@link #resolve} answers those).
     */
    public Identity cached(String credential) {
        if (basic == null) {
            return null;
        }
        String key = SecretHasher.sha256(credential);
        Optional<Cached> cached = cache.getIfPresent(key);
        if (cached == null || cached.isEmpty() || cached.get().expiresAt() <= System.currentTimeMillis() / 1000
                || revoked(cached.get())) {
            return null;
        }
        return cached.get().identity();
    }

    /** The identity behind an opaque credential, or empty when it is not active. */
    public Uni<Optional<Identity>> resolve(String credential, String clientAddress) {
        if (basic == null) {
            return Uni.createFrom().item(Optional.empty());
        }
        String key = SecretHasher.sha256(credential);
        Optional<Cached> cached = cache.getIfPresent(key);
        long now = System.currentTimeMillis() / 1000;
        if (cached != null && cached.isPresent() && cached.get().expiresAt() > now && revoked(cached.get())) {
            cache.put(key, Optional.empty()); // revoked since it was cached: known inactive from now on
            return Uni.createFrom().item(Optional.empty());
        }
        if (cached != null && (cached.isEmpty() || cached.get().expiresAt() > now)) {
            return Uni.createFrom().item(cached.map(Cached::identity));
        }
        // one introspection per credential at a time: when a cached answer expires under load, the
        // requests that arrive before the answer is back wait for that one call instead of each making
        // their own (64 connections with one credential would otherwise send up to 64)
        return pending.computeIfAbsent(key, k -> introspect(k, credential, clientAddress)
                        .onTermination().invoke(() -> pending.remove(k))
                        .memoize().indefinitely())
                .map(found -> found.map(Cached::identity));
    }

    private Uni<Optional<Cached>> introspect(String key, String credential, String clientAddress) {
        int port = url.getPort() > 0 ? url.getPort() : 80;
        long asked = generation.get();
        return client.post(port, url.getHost(), url.getRawPath())
                .putHeader("Authorization", basic)
                // the user's address, for the credential's last-used record (introspection trusts us as a proxy)
                .putHeader("X-Forwarded-For", clientAddress == null ? "unknown" : clientAddress)
                .timeout(5000)
                // a buffer, not sendForm: a form is sent chunked, and the services refuse bodies without a length
                .putHeader("Content-Type", "application/x-www-form-urlencoded")
                .sendBuffer(io.vertx.mutiny.core.buffer.Buffer.buffer("token=" + form(credential)))
                .map(resp -> {
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException("introspection answered " + resp.statusCode());
                    }
                    JsonObject j = resp.bodyAsJsonObject();
                    Optional<Cached> found = Optional.empty();
                    if (j.getBoolean("active", false) && ACCEPTED.contains(j.getString("forge_token_kind", ""))) {
                        String scope = j.getString("scope", "");
                        Set<String> scopes = new LinkedHashSet<>(Arrays.asList(scope.split(" ")));
                        scopes.remove("");
                        found = Optional.of(new Cached(Identity.of(j.getString("sub"), j.getString("client_id"),
                                Set.copyOf(scopes), scope, j.getString("forge_token_kind")),
                                j.getLong("exp", Long.MAX_VALUE), j.getString("jti"), j.getLong("iat", 0L)));
                        if (revoked(found.get())) {
                            // an introspection instance (or its shared cache) that had not learnt it yet
                            found = Optional.empty();
                        }
                    }
                    // an active answer without an id could not be evicted by its revocation: used, not kept
                    boolean evictable = found.isEmpty() || found.get().id() != null;
                    if (generation.get() == asked && evictable) {
                        cache.put(key, found);
                        if (found.isPresent()) {
                            keyById.put(found.get().id(), key); // after the put: a replaced entry unindexes itself
                        }
                    }
                    return found;
                })
                .onFailure().invoke(e -> LOG.warnf("introspection of an opaque credential failed: %s", e.getMessage()));
    }
}
