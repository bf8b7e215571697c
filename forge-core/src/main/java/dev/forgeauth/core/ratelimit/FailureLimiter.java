package dev.forgeauth.core.ratelimit;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Counts failed credential checks per key (a client id, a remote address) in Redis, so the count is
 * shared by every instance, and blocks a key for the rest of its window once it passes its limit.
 *
 * <p>Only failures touch Redis: the success path reads an in-memory map of blocked keys and nothing
 * else. A block learnt on one instance is learnt by another on the first failure it sees there, since
 * that failure increments the shared counter past the limit. If Redis is down the limiter fails open
 * (logged): losing brute-force counting for a while is better than refusing every token.
 */
public class FailureLimiter {

    private static final Logger LOG = Logger.getLogger(FailureLimiter.class);
    private static final int MAX_BLOCKED = 100_000;

    private final ReactiveRedisDataSource redis;
    private final long windowSeconds;
    private final ConcurrentHashMap<String, Long> blockedUntil = new ConcurrentHashMap<>();

    public FailureLimiter(ReactiveRedisDataSource redis, Duration window) {
        this.redis = redis;
        this.windowSeconds = Math.max(1, window.toSeconds());
    }

    /** Seconds until {@code key} may try again, or 0 when it is not blocked. */
    public long retryAfter(String key) {
        Long until = blockedUntil.get(key);
        if (until == null) {
            return 0;
        }
        long left = until - System.currentTimeMillis();
        if (left <= 0) {
            blockedUntil.remove(key, until);
            return 0;
        }
        return Math.max(1, (left + 999) / 1000);
    }

    /**
     * Records one failure for {@code key}; answers the seconds to wait when this failure passed
     * {@code limit}, else 0.
     */
    public Uni<Long> recordFailure(String key, int limit) {
        String redisKey = "forge:fail:" + key;
        return redis.value(Long.class).incr(redisKey)
                .call(count -> count == 1
                        ? redis.key().expire(redisKey, windowSeconds)
                        : Uni.createFrom().voidItem())
                .chain(count -> {
                    if (count <= limit) {
                        return Uni.createFrom().item(0L);
                    }
                    return redis.key().ttl(redisKey).map(ttl -> {
                        long wait = ttl > 0 ? ttl : windowSeconds;
                        block(key, wait);
                        return wait;
                    });
                })
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("failure counting unavailable (Redis: %s); not limiting", e.getMessage());
                    return 0L;
                });
    }

    private void block(String key, long seconds) {
        if (blockedUntil.size() >= MAX_BLOCKED) {
            long now = System.currentTimeMillis();
            blockedUntil.values().removeIf(until -> until <= now);
        }
        blockedUntil.put(key, System.currentTimeMillis() + seconds * 1000);
    }

}
