package dev.forgeauth.auth.authorize;

import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.crypto.Kek;
import dev.forgeauth.core.crypto.RandomTokens;
import dev.forgeauth.core.crypto.SealedBox;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Pending authorization requests, ten minutes at most. A request nobody has signed in to yet (what an
 * anonymous {@code GET /oauth/authorize}, {@code /device} or {@code /account} makes) is not stored at
 * all: it travels in the sign-in form as a sealed box (AES-256-GCM under a key derived from the KEK, with
 * its expiry inside), so anonymous page loads create no Redis key (issue 21, finding 4). Once a form
 * has been submitted by someone who passed a step (the password before the second factor, a signed-in
 * user before consent) the request is kept in Redis under a random id, shared by every instance, and is
 * taken exactly once.
 */
@ApplicationScoped
public class PendingStore {

    static final long TTL_SECONDS = 600;
    /** A sealed request holds at most a 1 KiB state, a redirect URI, a challenge and a nonce. */
    static final int MAX_SEALED_LENGTH = 8192;
    private static final Pattern STORED_ID = Pattern.compile("[A-Za-z0-9_-]{10,64}");

    private final ReactiveRedisDataSource redis;
    private final SealedBox box;

    public PendingStore(ReactiveRedisDataSource redis, ForgeConfig config) {
        this.redis = redis;
        this.box = new SealedBox(new Kek(config.kek()), Kek.PURPOSE_PENDING);
    }

    public Uni<PendingAuthorization> create(String clientId, String redirectUri, String scope, String state,
            String codeChallenge, String nonce) {
        return create(clientId, redirectUri, true, scope, state, codeChallenge, nonce);
    }

    /** A new request, sealed: nothing is stored. */
    public Uni<PendingAuthorization> create(String clientId, String redirectUri, boolean redirectUriSent, String scope,
            String state, String codeChallenge, String nonce) {
        PendingAuthorization p = new PendingAuthorization(null, RandomTokens.urlSafe(24), clientId,
                redirectUri, scope, state, codeChallenge, nonce, null, null, 0, redirectUriSent);
        JsonObject j = p.toJson().put("exp", System.currentTimeMillis() / 1000 + TTL_SECONDS);
        String sealed = box.seal(j.encode().getBytes(StandardCharsets.UTF_8));
        return Uni.createFrom().item(p.withId(sealed));
    }

    /** A sign-in for one of our own pages, returning to {@code path} (a local path, never a URL). */
    public Uni<PendingAuthorization> createReturn(String path) {
        if (!path.startsWith("/") || path.startsWith("//")) {
            throw new IllegalArgumentException("local paths only");
        }
        return create(null, path, "", null, null, null);
    }

    /**
     * Keeps the request in Redis for the next step and answers it with the id the next form must carry
     * (a sealed request gets a random one: from here on it completes once).
     */
    public Uni<PendingAuthorization> save(PendingAuthorization p) {
        PendingAuthorization stored = SealedBox.looksSealed(p.id()) || p.id() == null
                ? p.withId(RandomTokens.urlSafe(18)) : p;
        return redis.value(String.class).setex(key(stored.id()), TTL_SECONDS, stored.toJson().encode())
                .replaceWith(stored);
    }

    /** The pending request, or null when unknown, forged or expired. */
    public Uni<PendingAuthorization> find(String id) {
        if (SealedBox.looksSealed(id)) {
            return Uni.createFrom().item(unseal(id));
        }
        if (id == null || !STORED_ID.matcher(id).matches()) {
            return Uni.createFrom().nullItem();
        }
        return redis.value(String.class).get(key(id))
                .map(json -> json == null ? null : PendingAuthorization.fromJson(new JsonObject(json)));
    }

    /**
     * Removes and answers it: a stored request completes once. A sealed one was never stored; it ends
     * with its expiry (what it can start again is a sign-in, which needs the password again).
     */
    public Uni<PendingAuthorization> take(String id) {
        if (SealedBox.looksSealed(id)) {
            return Uni.createFrom().item(unseal(id));
        }
        if (id == null || !STORED_ID.matcher(id).matches()) {
            return Uni.createFrom().nullItem();
        }
        return redis.value(String.class).getdel(key(id))
                .map(json -> json == null ? null : PendingAuthorization.fromJson(new JsonObject(json)));
    }

    private PendingAuthorization unseal(String sealed) {
        if (sealed.length() > MAX_SEALED_LENGTH) {
            return null;
        }
        byte[] plain = box.open(sealed);
        if (plain == null) {
            return null;
        }
        JsonObject j;
        try {
            j = new JsonObject(new String(plain, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return null;
        }
        if (j.getLong("exp", 0L) < System.currentTimeMillis() / 1000) {
            return null;
        }
        return PendingAuthorization.fromJson(j).withId(sealed);
    }

    private static String key(String id) {
        return "forge:authz:" + id;
    }
}
