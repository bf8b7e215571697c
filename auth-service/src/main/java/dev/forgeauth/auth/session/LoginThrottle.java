package dev.forgeauth.auth.session;

import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.http.ClientAddresses;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Brute-force protection for password and second-factor checks, per account and per client address,
 * counted in Redis so every auth-service instance sees the same numbers. Past the limit each further
 * failure doubles the wait (1 s, 2 s, 4 s … up to a ceiling), so a guesser slows to a crawl while the
 * real user is never locked out for long; a success clears the account's count.
 */
@ApplicationScoped
public class LoginThrottle {

    private static final Logger LOG = Logger.getLogger(LoginThrottle.class);

    private final ReactiveRedisDataSource redis;
    private final ForgeConfig config;

    public LoginThrottle(ReactiveRedisDataSource redis, ForgeConfig config) {
        this.redis = redis;
        this.config = config;
    }

    static String accountKey(String email) {
        return "acct:" + SecretHasher.sha256(email);
    }

    /** An IPv6 client counts by its /64 ({@link ClientAddresses}): one host holds all of it. */
    static String addressKey(String ip) {
        return "addr:" + ClientAddresses.limitKey(ip);
    }

    /** Fails with 429 when either key is in a block. */
    public Uni<Void> check(String account, String address) {
        return blockLeft(account).chain(a -> blockLeft(address).map(b -> Math.max(a, b))).map(wait -> {
            if (wait > 0) {
                throw OAuthException.tooManyRequests(wait);
            }
            return null;
        });
    }

    private Uni<Long> blockLeft(String key) {
        // the block's value is the moment it ends (epoch ms): one GET, no error for a missing key
        return redis.value(Long.class).get("forge:login:block:" + key)
                .map(until -> until == null ? 0L : Math.max(0L, (until - System.currentTimeMillis() + 999) / 1000))
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("login throttle unavailable (Redis: %s)", e.getMessage());
                    return 0L;
                });
    }

    /** Counts a failure; answers the seconds the caller must now wait (0 while under the limits). */
    public Uni<Long> failure(String account, String address) {
        return count(account, config.login().maxFailuresPerAccount())
                .chain(a -> count(address, config.login().maxFailuresPerAddress()).map(b -> Math.max(a, b)));
    }

    private Uni<Long> count(String key, int limit) {
        String counter = "forge:login:fail:" + key;
        long window = config.login().failureWindow().toSeconds();
        return redis.value(Long.class).incr(counter)
                .call(n -> n == 1 ? redis.key().expire(counter, window) : Uni.createFrom().voidItem())
                .chain(n -> {
                    if (n <= limit) {
                        return Uni.createFrom().item(0L);
                    }
                    long wait = Math.min(config.login().maxBlock().toSeconds(), 1L << Math.min(30, n - limit - 1));
                    long seconds = Math.max(1, wait);
                    return redis.value(Long.class)
                            .set("forge:login:block:" + key, System.currentTimeMillis() + seconds * 1000,
                                    new SetArgs().ex(seconds))
                            .replaceWith(seconds);
                })
                .onFailure().recoverWithItem(0L);
    }

    /** A success ends the account's run of failures (the address keeps its count). */
    public Uni<Void> success(String account) {
        return redis.key().del("forge:login:fail:" + account, "forge:login:block:" + account)
                .replaceWithVoid().onFailure().recoverWithNull();
    }
}
