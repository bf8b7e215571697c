package dev.forgeauth.introspection;

import dev.forgeauth.core.crypto.Kek;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.jwt.JwksKeys;
import dev.forgeauth.core.jwt.JwtSettings;
import dev.forgeauth.core.jwt.JwtVerifier;
import dev.forgeauth.core.ratelimit.FailureLimiter;
import dev.forgeauth.core.revocation.RevocationView;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Wires the shared forge-core pieces (JWKS cache, verifier, revocation view, failure limiter) as beans
 * of this service and starts them: keys fetched, revocation feed subscribed and loaded.
 */
@ApplicationScoped
public class IntrospectionProducers {

    private static final Logger LOG = Logger.getLogger(IntrospectionProducers.class);

    @Produces
    @ApplicationScoped
    JwksKeys jwksKeys(Vertx vertx, JwtSettings settings) {
        return new JwksKeys(vertx, settings.jwksUrl(), settings.jwksMinRefetch());
    }

    @Produces
    @ApplicationScoped
    JwtVerifier jwtVerifier(JwksKeys keys, JwtSettings settings) {
        return new JwtVerifier(keys, settings);
    }

    @Produces
    @ApplicationScoped
    RevocationView revocationView(ReactiveRedisDataSource redis, Vertx vertx) {
        return new RevocationView(redis, vertx);
    }

    @Produces
    @ApplicationScoped
    FailureLimiter failureLimiter(ReactiveRedisDataSource redis,
            @ConfigProperty(name = "forge.rate-limit.window", defaultValue = "60s") Duration window) {
        return new FailureLimiter(redis, window);
    }

    /**
     * The secret-hashing key, given on its own ({@code FORGE_SECRET_HASH_KEY}): this service never holds
     * the KEK, which decrypts signing keys and TOTP secrets. The KEK is still accepted (the local run)
     * and only the hashing key is derived from it, with a warning.
     */
    @Produces
    @ApplicationScoped
    SecretHasher secretHasher(@ConfigProperty(name = "forge.secret-hash-key") Optional<String> hashKey,
            @ConfigProperty(name = "forge.kek") Optional<String> kek) {
        if (hashKey.filter(k -> !k.isBlank()).isPresent()) {
            return Kek.secretHasherFromKey(hashKey.get());
        }
        if (kek.filter(k -> !k.isBlank()).isPresent()) {
            LOG.warn("FORGE_KEK given to the introspection service: give it only FORGE_SECRET_HASH_KEY "
                    + "(deploy/README.md), the KEK also decrypts signing keys");
            return new Kek(kek.get()).secretHasher();
        }
        throw new IllegalStateException("set FORGE_SECRET_HASH_KEY (the secret-hashing key derived from the KEK, "
                + "deploy/README.md)");
    }

    void start(@Observes StartupEvent ev, RevocationView view, JwtVerifier verifier, JwksKeys keys,
            JwtSettings settings, Vertx vertx, io.micrometer.core.instrument.MeterRegistry metrics) {
        // what a flood of revocations would grow: watched by the abuse tests and worth an alert
        metrics.gauge("forge.revocation.view.tokens", view, v -> v.size());
        metrics.gauge("forge.revocation.view.cutoffs", view, v -> v.cutoffCount());
        metrics.gauge("forge.jwt.cache.entries", verifier, v -> v.cachedCount());
        view.onTokenRevoked(verifier::evictJti);
        view.start();
        keys.refresh(true).subscribe().with(v -> { });
        long every = Math.max(1000, settings.jwksRefresh().toMillis());
        vertx.setPeriodic(every, id -> keys.refresh(true).subscribe().with(v -> { }));
    }

    void stop(@Observes ShutdownEvent ev, RevocationView view) {
        view.stop();
    }
}
