package dev.forgeauth.gateway.ratelimit;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Singleton;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Token buckets per credential, shared by every gateway instance through Redis, with a local fast path:
 * an instance leases a batch of tokens (a tenth of a second's worth) from the Redis bucket and spends
 * them locally, so at full speed it talks to Redis about ten times a second per credential, not once per
 * request. The bucket itself lives in a Redis hash updated by a Lua script on Redis' clock, so instances
 * with skewed clocks agree. If Redis is unreachable the limiter lets requests through (logged): rate
 * limiting is protection, not authentication.
 */
@Singleton
public class RateLimiter {

    private static final Logger LOG = Logger.getLogger(RateLimiter.class);

    /** KEYS[1] bucket; ARGV rate/s, burst, wanted. Returns the tokens granted. */
    static final String SCRIPT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local rate = tonumber(ARGV[1])
            local burst = tonumber(ARGV[2])
            local want = tonumber(ARGV[3])
            local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
            local tokens = tonumber(b[1]) or burst
            local ts = tonumber(b[2]) or now
            tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
            local got = math.min(want, math.floor(tokens))
            tokens = tokens - got
            redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
            redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
            return got
            """;

    private final ReactiveRedisDataSource redis;
    /** Route name, then credential key: no key string built per request. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Bucket>> buckets = new ConcurrentHashMap<>();

    public RateLimiter(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    static final class Bucket {
        /** Tokens leased from Redis, spent locally without a lock. */
        final AtomicLong leased = new AtomicLong();
        /** The rest under the bucket's monitor. */
        long deniedUntil;
        Uni<Long> inFlight;
        /** Used since the last sweep (a plain field: a lost update only keeps a bucket one sweep longer). */
        boolean used = true;

        boolean take() {
            used = true;
            AtomicLong l = leased;
            for (long n = l.get(); n > 0; n = l.get()) {
                if (l.compareAndSet(n, n - 1)) {
                    return true;
                }
            }
            return false;
        }
    }

    private Bucket bucket(String route, String key) {
        ConcurrentHashMap<String, Bucket> perRoute = buckets.get(route);
        if (perRoute == null) {
            perRoute = buckets.computeIfAbsent(route, r -> new ConcurrentHashMap<>());
        }
        Bucket b = perRoute.get(key);
        return b != null ? b : perRoute.computeIfAbsent(key, k -> new Bucket());
    }

    /**
     * The fast path: true when a locally leased token was spent (the request may pass); false when
     * {@link #acquire} must decide (lease more from Redis, or refuse).
     */
    public boolean tryLocal(String route, String key) {
        return bucket(route, key).take();
    }

    /** 0 when the request may pass, else the seconds to wait. */
    public Uni<Long> acquire(String route, String key, int perSecond, int burst) {
        return acquire(route, key, perSecond, burst, 0);
    }

    private Uni<Long> acquire(String route, String key, int perSecond, int burst, int attempt) {
        Bucket b = bucket(route, key);
        if (b.take()) {
            return Uni.createFrom().item(0L);
        }
        Uni<Long> lease;
        synchronized (b) {
            if (b.take()) {
                return Uni.createFrom().item(0L);
            }
            long now = System.nanoTime();
            if (b.deniedUntil != 0 && now - b.deniedUntil < 0) {
                return Uni.createFrom().item(retryAfter(perSecond));
            }
            if (b.inFlight == null) {
                long batch = Math.max(1, perSecond / 10);
                b.inFlight = lease(route + ":" + key, perSecond, Math.max(burst, 1), batch).memoize().indefinitely();
            }
            lease = b.inFlight;
        }
        return lease.onItem().transformToUni(got -> {
            synchronized (b) {
                if (b.inFlight == lease) {
                    b.inFlight = null;
                    if (got > 0) {
                        b.leased.addAndGet(got);
                    }
                }
            }
            if (b.take()) {
                return Uni.createFrom().item(0L);
            }
            if (got > 0 && attempt < 8) {
                // the lease was shared by more waiters than it held tokens: the bucket in Redis may hold
                // more, ask again rather than refuse (a refusal is only for an empty bucket)
                return acquire(route, key, perSecond, burst, attempt + 1);
            }
            synchronized (b) {
                b.deniedUntil = System.nanoTime() + Math.max(100_000_000L, 1_000_000_000L / perSecond);
            }
            return Uni.createFrom().item(retryAfter(perSecond));
        });
    }

    private Uni<Long> lease(String key, int perSecond, int burst, long batch) {
        return redis.execute("EVAL", SCRIPT, "1", "forge:rl:" + key, Integer.toString(perSecond),
                        Integer.toString(burst), Long.toString(batch))
                .map(Response::toLong)
                .onFailure().recoverWithItem(e -> {
                    LOG.debugf("rate limiter without Redis (%s): letting requests through", e.getMessage());
                    return batch;
                });
    }

    static long retryAfter(int perSecond) {
        return Math.max(1, (long) Math.ceil(1.0 / perSecond));
    }

    /**
     * Drops the local state of buckets unused since the previous sweep (called periodically): they are
     * cheap to rebuild from Redis, and without this every credential ever seen would stay in memory.
     * A dropped lease loses at most a tenth of a second's tokens.
     */
    public void sweep() {
        for (ConcurrentHashMap<String, Bucket> perRoute : buckets.values()) {
            perRoute.values().removeIf(b -> {
                synchronized (b) {
                    if (b.used || b.inFlight != null) {
                        b.used = false;
                        return false;
                    }
                    return true;
                }
            });
        }
    }

    int size() {
        return buckets.values().stream().mapToInt(ConcurrentHashMap::size).sum();
    }
}
