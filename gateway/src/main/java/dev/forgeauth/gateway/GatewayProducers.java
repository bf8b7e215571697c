package dev.forgeauth.gateway;

import dev.forgeauth.core.jwt.JwksKeys;
import dev.forgeauth.core.jwt.JwtSettings;
import dev.forgeauth.core.jwt.JwtVerifier;
import dev.forgeauth.core.revocation.RevocationView;
import dev.forgeauth.gateway.route.RouteTable;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The shared verifier, key cache and revocation view as beans of the gateway, started with it. Singletons,
 * not application-scoped: they are used on every request, and a client proxy would add a context lookup
 * to each call.
 */
@ApplicationScoped
public class GatewayProducers {

    @Produces
    @Singleton
    JwksKeys jwksKeys(Vertx vertx, JwtSettings settings) {
        return new JwksKeys(vertx, settings.jwksUrl(), settings.jwksMinRefetch());
    }

    @Produces
    @Singleton
    JwtVerifier jwtVerifier(JwksKeys keys, JwtSettings settings) {
        return new JwtVerifier(keys, settings);
    }

    @Produces
    @Singleton
    RevocationView revocationView(ReactiveRedisDataSource redis, Vertx vertx) {
        return new RevocationView(redis, vertx);
    }

    void start(@Observes StartupEvent ev, RouteTable routes, RevocationView view, JwtVerifier verifier, JwksKeys keys,
            JwtSettings settings, Vertx vertx, io.micrometer.core.instrument.MeterRegistry metrics) {
        // what a flood of revocations would grow: watched by the abuse tests and worth an alert
        metrics.gauge("forge.revocation.view.tokens", view, v -> v.size());
        metrics.gauge("forge.revocation.view.cutoffs", view, v -> v.cutoffCount());
        metrics.gauge("forge.jwt.cache.entries", verifier, v -> v.cachedCount());
        // RouteTable is built (and validated) here, so a bad table stops the start with its message
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
