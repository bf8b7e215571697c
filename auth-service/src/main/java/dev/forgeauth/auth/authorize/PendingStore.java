package dev.forgeauth.auth.authorize;

import dev.forgeauth.core.crypto.RandomTokens;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;

/** Pending authorization requests in Redis, ten minutes at most, shared by every instance. */
@ApplicationScoped
public class PendingStore {

    static final long TTL_SECONDS = 600;

    private final ReactiveRedisDataSource redis;

    public PendingStore(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    public Uni<PendingAuthorization> create(String clientId, String redirectUri, String scope, String state,
            String codeChallenge, String nonce) {
        return create(clientId, redirectUri, true, scope, state, codeChallenge, nonce);
    }

    public Uni<PendingAuthorization> create(String clientId, String redirectUri, boolean redirectUriSent, String scope,
            String state, String codeChallenge, String nonce) {
        PendingAuthorization p = new PendingAuthorization(RandomTokens.urlSafe(18), RandomTokens.urlSafe(24), clientId,
                redirectUri, scope, state, codeChallenge, nonce, null, null, 0, redirectUriSent);
        return save(p).replaceWith(p);
    }

    /** A sign-in for one of our own pages, returning to {@code path} (a local path, never a URL). */
    public Uni<PendingAuthorization> createReturn(String path) {
        if (!path.startsWith("/") || path.startsWith("//")) {
            throw new IllegalArgumentException("local paths only");
        }
        return create(null, path, "", null, null, null);
    }

    public Uni<Void> save(PendingAuthorization p) {
        return redis.value(String.class).setex(key(p.id()), TTL_SECONDS, p.toJson().encode());
    }

    /** The pending request, or null when unknown or expired. */
    public Uni<PendingAuthorization> find(String id) {
        if (id == null || !id.matches("[A-Za-z0-9_-]{10,64}")) {
            return Uni.createFrom().nullItem();
        }
        return redis.value(String.class).get(key(id))
                .map(json -> json == null ? null : PendingAuthorization.fromJson(new JsonObject(json)));
    }

    /** Removes and answers it: a pending request completes once. */
    public Uni<PendingAuthorization> take(String id) {
        return redis.value(String.class).getdel(key(id))
                .map(json -> json == null ? null : PendingAuthorization.fromJson(new JsonObject(json)));
    }

    private static String key(String id) {
        return "forge:authz:" + id;
    }
}
