package dev.forgeauth.introspection.opaque;

import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.revocation.RevocationView;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Resolves opaque tokens: the kind is chosen by prefix, junk is refused offline by the kind's format
 * check, then the token's keyed hash is looked up in a short Redis cache (shared by every instance) and
 * on a miss in PostgreSQL. A revocation names the token by that hash, so the revocation view answers
 * for it without a lookup, and the writer evicts the cache entry. The raw token is never stored or
 * used as a key anywhere.
 */
@ApplicationScoped
public class OpaqueTokenLookup {

    private static final Logger LOG = Logger.getLogger(OpaqueTokenLookup.class);
    public static final String CACHE_PREFIX = dev.forgeauth.core.revocation.RevocationKeys.OPAQUE_CACHE;
    static final long DEFAULT_CACHE_SECONDS = 30;

    private final List<OpaqueTokenKind> kinds = new ArrayList<>();
    private final SecretHasher hasher;
    private final ReactiveRedisDataSource redis;
    private final RevocationView revocations;
    private final long cacheSeconds;

    /**
     * @param cacheTtl how long an active token's answer is kept in the shared Redis cache
     *     ({@code forge.introspection.opaque-cache-ttl}); the auth-service keeps revocations of opaque
     *     tokens at least this long ({@code forge.revocation.opaque-cache-ttl}), so keep the two in step
     */
    @jakarta.inject.Inject
    public OpaqueTokenLookup(Instance<OpaqueTokenKind> kinds, SecretHasher hasher, ReactiveRedisDataSource redis,
            RevocationView revocations,
            @ConfigProperty(name = "forge.introspection.opaque-cache-ttl", defaultValue = "30s") Duration cacheTtl) {
        this(toList(kinds), hasher, redis, revocations, cacheTtl.toSeconds());
    }

    OpaqueTokenLookup(List<OpaqueTokenKind> kinds, SecretHasher hasher, ReactiveRedisDataSource redis,
            RevocationView revocations) {
        this(kinds, hasher, redis, revocations, DEFAULT_CACHE_SECONDS);
    }

    private OpaqueTokenLookup(List<OpaqueTokenKind> kinds, SecretHasher hasher, ReactiveRedisDataSource redis,
            RevocationView revocations, long cacheSeconds) {
        this.kinds.addAll(kinds);
        this.hasher = hasher;
        this.redis = redis;
        this.revocations = revocations;
        this.cacheSeconds = Math.max(1, cacheSeconds);
    }

    private static List<OpaqueTokenKind> toList(Instance<OpaqueTokenKind> kinds) {
        List<OpaqueTokenKind> out = new ArrayList<>();
        kinds.forEach(out::add);
        return out;
    }

    /** As {@link #resolve(String)}, noting the use of an active token (the caller's address is the user's). */
    public Uni<Optional<TokenInfo>> resolve(String token, String usedFrom) {
        OpaqueTokenKind kind = kindOf(token);
        return resolve(token).invoke(found -> {
            if (found.isPresent() && kind != null && usedFrom != null) {
                kind.used(found.get(), usedFrom);
            }
        });
    }

    /** The active token's information, or empty when unknown, malformed, expired or revoked. */
    public Uni<Optional<TokenInfo>> resolve(String token) {
        OpaqueTokenKind kind = kindOf(token);
        if (kind == null || !kind.wellFormed(token)) {
            return Uni.createFrom().item(Optional.empty());
        }
        String hash = hasher.hash(token);
        String cacheKey = CACHE_PREFIX + hash;
        return redis.value(String.class).get(cacheKey)
                .onFailure().recoverWithNull()
                .chain(cached -> {
                    if (cached != null) {
                        return Uni.createFrom().item(Optional.of(TokenInfo.fromJson(new JsonObject(cached))));
                    }
                    return kind.findByHash(hash).call(found -> found.isEmpty() ? Uni.createFrom().voidItem()
                            : redis.value(String.class).setex(cacheKey, cacheSeconds, found.get().toJson().encode())
                                    .onFailure().invoke(e -> LOG.debugf("opaque cache write failed: %s", e.getMessage()))
                                    .onFailure().recoverWithNull());
                })
                .map(found -> found.filter(this::stillActive));
    }

    private boolean stillActive(TokenInfo t) {
        long now = System.currentTimeMillis() / 1000;
        return t.expiresAt() > now && !revocations.isRevoked(t.tokenId(), t.clientId(), t.subject(), t.issuedAt());
    }

    OpaqueTokenKind kindOf(String token) {
        for (OpaqueTokenKind k : kinds) {
            if (token.startsWith(k.prefix())) {
                return k;
            }
        }
        return null;
    }

    public boolean hasKinds() {
        return !kinds.isEmpty();
    }
}
