package dev.forgeauth.core.jwt;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.forgeauth.core.crypto.SecretHasher;
import io.smallrye.mutiny.Uni;
import java.security.Key;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.lang.JoseException;
import org.jose4j.lang.UnresolvableKeyException;

/**
 * Verifies RFC 9068 access tokens locally: RS256 or ES256 only (so {@code none} and HMAC-with-the-
 * public-key are refused before any key is touched), {@code typ at+jwt}, a known {@code kid}, the
 * issuer, the audience, {@code exp} and {@code nbf}. A verified token is remembered by its SHA-256
 * until it expires, so a token presented again costs a hash and a map lookup instead of a signature
 * check (about 64 µs for RS256 here, 1.9 ms for ES256).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9068#section-4">RFC 9068 §4</a>
 */
public class JwtVerifier {

    public static final String TYP = "at+jwt";
    private static final int MAX_TOKEN_LENGTH = 8192;

    private final JwksKeys keys;
    private final JwtConsumer consumer;
    private final Cache<String, VerifiedToken> cache;
    /**
     * jti to cache key, so that a revocation evicts the one entry it names instead of scanning the
     * cache (a revoke loop made every instance walk up to {@code cache-size} entries per revocation).
     */
    private final ConcurrentHashMap<String, String> keyByJti = new ConcurrentHashMap<>();
    private final long skewSeconds;

    public JwtVerifier(JwksKeys keys, JwtSettings settings) {
        this.keys = keys;
        this.skewSeconds = settings.clockSkew().toSeconds();
        this.consumer = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setRequireIssuedAt()
                .setRequireSubject()
                .setRequireJwtId()
                .setAllowedClockSkewInSeconds((int) skewSeconds)
                .setExpectedIssuer(settings.issuer())
                .setExpectedAudience(settings.audience())
                .setExpectedType(true, TYP)
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, "RS256", "ES256")
                .setVerificationKeyResolver((jws, nested) -> {
                    Key k = keys.get(jws.getKeyIdHeaderValue());
                    if (k == null) {
                        throw new UnresolvableKeyException("unknown kid");
                    }
                    return k;
                })
                .build();
        this.cache = Caffeine.newBuilder()
                // the cache's upkeep runs on the caller's thread, a little at a time: on the default
                // executor every drain is a hand-off to the common pool (a wake-up per few hundred reads)
                .executor(Runnable::run)
                .maximumSize(settings.cacheSize())
                // runs on the caller's thread (executor above), for evictions, expiries and invalidations
                .removalListener((String key, VerifiedToken t, RemovalCause cause) -> {
                    if (t != null) {
                        keyByJti.remove(t.jti(), key);
                    }
                })
                .expireAfter(new Expiry<String, VerifiedToken>() {
                    @Override
                    public long expireAfterCreate(String key, VerifiedToken t, long currentTime) {
                        long seconds = Math.max(0, t.expiresAt() + skewSeconds - System.currentTimeMillis() / 1000);
                        return TimeUnit.SECONDS.toNanos(seconds);
                    }

                    @Override
                    public long expireAfterUpdate(String key, VerifiedToken t, long currentTime, long currentDuration) {
                        return currentDuration;
                    }

                    @Override
                    public long expireAfterRead(String key, VerifiedToken t, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .build();
    }

    /** Whether the string has the shape of a JWS compact serialisation (three base64url parts). */
    public static boolean looksLikeJwt(String token) {
        if (token == null || token.length() > MAX_TOKEN_LENGTH || !token.startsWith("eyJ")) {
            return false;
        }
        // the shape only (three parts); the parser and the signature check refuse anything else
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        return second > first + 1 && token.indexOf('.', second + 1) < 0;
    }

    /**
     * The token from the verified-token cache, without any work beyond the lookup: null when it is not
     * there (or has expired since), so the caller takes {@link #verify(String)}. For callers on a hot
     * path that answer synchronously when they can.
     */
    public VerifiedToken cached(String token) {
        if (!looksLikeJwt(token)) {
            return null;
        }
        String cacheKey = SecretHasher.sha256(token);
        VerifiedToken cached = cache.getIfPresent(cacheKey);
        if (cached == null || cached.expiresAt() + skewSeconds < System.currentTimeMillis() / 1000) {
            return null;
        }
        return cached;
    }

    /** Verifies the token; fails with {@link InvalidTokenException}. */
    public Uni<VerifiedToken> verify(String token) {
        if (!looksLikeJwt(token)) {
            return Uni.createFrom().failure(new InvalidTokenException("not a JWS compact serialisation"));
        }
        String cacheKey = SecretHasher.sha256(token);
        VerifiedToken cached = cache.getIfPresent(cacheKey);
        if (cached != null) {
            if (cached.expiresAt() + skewSeconds < System.currentTimeMillis() / 1000) {
                cache.invalidate(cacheKey);
                return Uni.createFrom().failure(new InvalidTokenException("expired"));
            }
            return Uni.createFrom().item(cached);
        }
        String kid;
        try {
            JsonWebSignature jws = (JsonWebSignature) JsonWebSignature.fromCompactSerialization(token);
            kid = jws.getKeyIdHeaderValue();
            String alg = jws.getAlgorithmHeaderValue();
            if (kid == null || kid.length() > 200 || !("RS256".equals(alg) || "ES256".equals(alg))) {
                return Uni.createFrom().failure(new InvalidTokenException("alg or kid not acceptable"));
            }
        } catch (JoseException | ClassCastException e) {
            return Uni.createFrom().failure(new InvalidTokenException("unparseable: " + e.getMessage()));
        }
        Uni<Void> keyReady = keys.get(kid) != null ? Uni.createFrom().voidItem()
                : keys.find(kid).replaceWithVoid();
        return keyReady.map(v -> {
            VerifiedToken t = verifyNow(token);
            cache.put(cacheKey, t);
            keyByJti.put(t.jti(), cacheKey); // after the put: replacing an entry unindexes the old one
            return t;
        });
    }

    private VerifiedToken verifyNow(String token) {
        try {
            JwtClaims c = consumer.processToClaims(token);
            Object scopeClaim = c.getClaimValue("scope");
            String scope = scopeClaim instanceof String s ? s : "";
            Set<String> scopes = new LinkedHashSet<>();
            for (String s : scope.split(" ")) {
                if (!s.isEmpty()) {
                    scopes.add(s);
                }
            }
            Object clientId = c.getClaimValue("client_id");
            Object sid = c.getClaimValue("sid");
            return new VerifiedToken(c.getJwtId(), c.getSubject(), clientId instanceof String s ? s : null, scope,
                    Set.copyOf(scopes), c.getIssuer(), List.copyOf(c.getAudience()), c.getIssuedAt().getValue(),
                    c.getExpirationTime().getValue(), sid instanceof String s ? s : null);
        } catch (InvalidJwtException | MalformedClaimException e) {
            throw new InvalidTokenException(e.getMessage());
        }
    }

    /**
     * Forgets a token (after a revocation), by its jti: one index lookup, no scan. Only memory hygiene:
     * callers check the revocation view on every use, cache hit or not.
     */
    public void evictJti(String jti) {
        if (jti == null) {
            return; // a client or subject cut-off: checked on every use, nothing to scan for
        }
        String key = keyByJti.remove(jti);
        if (key != null) {
            cache.invalidate(key);
        }
    }

    public long cachedCount() {
        return cache.estimatedSize();
    }
}
