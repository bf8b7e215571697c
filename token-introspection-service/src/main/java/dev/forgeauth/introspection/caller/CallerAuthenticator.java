package dev.forgeauth.introspection.caller;

import dev.forgeauth.core.http.ClientAddresses;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.jwt.JwtVerifier;
import dev.forgeauth.core.ratelimit.FailureLimiter;
import dev.forgeauth.core.revocation.RevocationView;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Authenticates callers of the introspection endpoint: {@code client_secret_basic} with a client that
 * holds scope {@code introspect}, or a bearer access token with that scope (RFC 7662 §2.1). Client
 * registrations are read from the auth-service's database and cached briefly; the auth-service's
 * change announcements evict them at once. Failed attempts are counted per address.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7662#section-2.1">RFC 7662 §2.1</a>
 */
@ApplicationScoped
public class CallerAuthenticator {

    private static final Logger LOG = Logger.getLogger(CallerAuthenticator.class);
    public static final String SCOPE = "introspect";
    static final String CLIENTS_CHANNEL = "forge:clients";
    private static final long CACHE_NANOS = 30_000_000_000L;

    private final Pool pool;
    private final SecretHasher hasher;
    private final JwtVerifier verifier;
    private final RevocationView revocations;
    private final FailureLimiter limiter;
    private final ReactiveRedisDataSource redis;
    private final Vertx vertx;
    private final int failuresPerAddress;
    private final ConcurrentHashMap<String, Cached> clients = new ConcurrentHashMap<>();

    record ClientRow(String secretHash, Set<String> scopes) {
    }

    record Cached(Optional<ClientRow> row, long until) {
    }

    public CallerAuthenticator(Pool pool, SecretHasher hasher, JwtVerifier verifier, RevocationView revocations,
            FailureLimiter limiter, ReactiveRedisDataSource redis, Vertx vertx,
            @ConfigProperty(name = "forge.rate-limit.failures-per-address", defaultValue = "100") int failuresPerAddress) {
        this.pool = pool;
        this.hasher = hasher;
        this.verifier = verifier;
        this.revocations = revocations;
        this.limiter = limiter;
        this.redis = redis;
        this.vertx = vertx;
        this.failuresPerAddress = failuresPerAddress;
    }

    void listen(@Observes StartupEvent ev) {
        subscribe();
    }

    private void subscribe() {
        redis.pubsub(String.class).subscribe(CLIENTS_CHANNEL)
                .subscribe().with(clients::remove, e -> {
                    clients.clear();
                    vertx.setTimer(1000, id -> subscribe());
                }, () -> vertx.setTimer(1000, id -> subscribe()));
    }

    public Uni<Caller> authenticate(String authorization, String remoteAddress) {
        // an IPv6 caller counts by its /64 (ClientAddresses)
        String addressKey = "introspect-addr:" + ClientAddresses.limitKey(remoteAddress);
        long wait = limiter.retryAfter(addressKey);
        if (wait > 0) {
            return Uni.createFrom().failure(OAuthException.tooManyRequests(wait));
        }
        if (authorization == null || authorization.isBlank()) {
            return Uni.createFrom().failure(new OAuthException("invalid_client",
                    "Authenticate with client_secret_basic or a bearer token holding scope 'introspect'", 401,
                    java.util.Map.of("WWW-Authenticate", "Basic realm=\"forge\", Bearer realm=\"forge\"")));
        }
        String[] parts = authorization.trim().split(" +", 2);
        if (parts.length == 2 && parts[0].equalsIgnoreCase("Basic")) {
            return basic(parts[1]).onFailure(OAuthException.class).call(e -> countFailure(addressKey, e));
        }
        if (parts.length == 2 && parts[0].equalsIgnoreCase("Bearer")) {
            return bearer(parts[1].trim()).onFailure(OAuthException.class).call(e -> countFailure(addressKey, e));
        }
        return Uni.createFrom().failure(OAuthException.invalidClient("Unsupported authentication scheme", true));
    }

    private Uni<Void> countFailure(String key, Throwable e) {
        int status = ((OAuthException) e).status();
        if (status != 401) {
            return Uni.createFrom().voidItem();
        }
        return limiter.recordFailure(key, failuresPerAddress).map(w -> {
            if (w > 0) {
                throw OAuthException.tooManyRequests(w);
            }
            return null;
        });
    }

    private Uni<Caller> basic(String encoded) {
        String id;
        String secret;
        try {
            String decoded = new String(Base64.getDecoder().decode(encoded.trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException();
            }
            id = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
            secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(OAuthException.invalidClient("Malformed Basic credentials", true));
        }
        return client(id).map(row -> {
            if (row.isEmpty() || row.get().secretHash() == null || !hasher.matches(secret, row.get().secretHash())) {
                throw OAuthException.invalidClient("Client authentication failed", true);
            }
            if (!row.get().scopes().contains(SCOPE)) {
                throw new OAuthException("insufficient_scope", "This client may not introspect tokens", 403);
            }
            return new Caller(id);
        });
    }

    private Uni<Caller> bearer(String token) {
        return verifier.verify(token)
                .onFailure().transform(e -> OAuthException.invalidToken("The access token is invalid or expired"))
                .map(t -> {
                    if (revocations.isRevoked(t)) {
                        throw OAuthException.invalidToken("The access token has been revoked");
                    }
                    if (!t.hasScope(SCOPE)) {
                        throw OAuthException.insufficientScope(SCOPE);
                    }
                    return new Caller(t.clientId());
                });
    }

    private Uni<Optional<ClientRow>> client(String id) {
        Cached c = clients.get(id);
        long now = System.nanoTime();
        if (c != null && now - c.until < 0) {
            return Uni.createFrom().item(c.row);
        }
        return pool.preparedQuery("SELECT secret_hash, scope FROM oauth_client WHERE client_id = $1")
                .execute(Tuple.of(id))
                .map(rs -> {
                    Optional<ClientRow> row = Optional.empty();
                    for (Row r : rs) {
                        String scope = r.getString("scope");
                        row = Optional.of(new ClientRow(r.getString("secret_hash"),
                                scope == null || scope.isBlank() ? Set.of()
                                        : Set.copyOf(java.util.Arrays.asList(scope.trim().split(" +")))));
                    }
                    if (row.isPresent()) {
                        if (clients.size() > 10_000) {
                            clients.clear();
                        }
                        clients.put(id, new Cached(row, System.nanoTime() + CACHE_NANOS));
                    }
                    return row;
                })
                .onFailure(e -> !(e instanceof OAuthException)).transform(e -> {
                    LOG.warnf("cannot read client registrations: %s", e.getMessage());
                    return OAuthException.unavailable("Client registrations are unavailable");
                });
    }
}
