package dev.forgeauth.core.ratelimit;

import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.error.OAuthErrors;
import dev.forgeauth.core.error.OAuthException;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Counts operations per key in fixed windows shared by every instance (Redis), for operations that are
 * cheap to ask for but leave state behind everywhere: creating, deleting and revoking credentials.
 * Counting and the window's start happen in one script, so a key can never be left without expiry
 * (which would block it for good). If Redis is down the limiter lets the request through (logged): a
 * revocation must never fail because its rate limit cannot be counted.
 */
public class WindowLimiter {

    private static final Logger LOG = Logger.getLogger(WindowLimiter.class);
    /** INCR, and EXPIRE when the key is new (or lost its expiry); answers {count, seconds left}. */
    private static final String SCRIPT = """
            local c = redis.call('INCR', KEYS[1])
            local t = redis.call('TTL', KEYS[1])
            if t < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); t = tonumber(ARGV[1]) end
            return {c, t}""";
    private static final int MAX_KEY_PART = 64;

    private final ReactiveRedisDataSource redis;
    private final String prefix;

    /** @param prefix the Redis key prefix of this limiter, e.g. {@code forge:limit:} */
    public WindowLimiter(ReactiveRedisDataSource redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }

    /**
     * Counts one operation for {@code id} (a user id, a client id) in {@code scope} (what is counted);
     * fails with 429 {@code too_many_requests} and Retry-After when that passes {@code limit} in the
     * current {@code window}. {@code what} names the operation in the error description.
     */
    public Uni<Void> acquire(String scope, String id, int limit, Duration window, String what) {
        long seconds = Math.max(1, window.toSeconds());
        String redisKey = prefix + scope + ":" + bounded(id);
        return redis.execute("EVAL", SCRIPT, "1", redisKey, Long.toString(seconds))
                .map(r -> new long[] {r.get(0).toLong(), r.get(1).toLong()})
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("rate limit of %s not counted (Redis: %s); not limiting", what, e.getMessage());
                    return new long[] {0, 0};
                })
                .map(counted -> {
                    if (counted[0] > limit) {
                        long retry = Math.max(1, counted[1]);
                        throw new OAuthException(OAuthErrors.TOO_MANY_REQUESTS,
                                "Too many " + what + "; retry after " + retry + " s", 429,
                                Map.of("Retry-After", Long.toString(retry)));
                    }
                    return null;
                })
                .replaceWithVoid();
    }

    /** Keys come from callers (client ids, addresses): long ones are hashed so a key stays small. */
    static String bounded(String key) {
        return key.length() <= MAX_KEY_PART ? key : "h:" + SecretHasher.sha256(key);
    }
}
