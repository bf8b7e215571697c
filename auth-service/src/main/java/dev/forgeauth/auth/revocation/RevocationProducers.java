package dev.forgeauth.auth.revocation;

import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.ratelimit.FailureLimiter;
import dev.forgeauth.core.ratelimit.WindowLimiter;
import dev.forgeauth.core.revocation.RevocationView;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;

/** The shared revocation view and limiters (plain forge-core classes) as beans of this service. */
@ApplicationScoped
public class RevocationProducers {

    @Produces
    @ApplicationScoped
    RevocationView revocationView(ReactiveRedisDataSource redis, Vertx vertx) {
        return new RevocationView(redis, vertx);
    }

    @Produces
    @ApplicationScoped
    FailureLimiter failureLimiter(ReactiveRedisDataSource redis, ForgeConfig config) {
        return new FailureLimiter(redis, config.rateLimit().window());
    }

    /** Limits on creating, deleting and revoking credentials ({@code forge.revocation.rate-limit.*}). */
    @Produces
    @ApplicationScoped
    WindowLimiter windowLimiter(ReactiveRedisDataSource redis) {
        return new WindowLimiter(redis, "forge:limit:");
    }

    void start(@Observes StartupEvent ev, RevocationView view, io.micrometer.core.instrument.MeterRegistry metrics) {
        metrics.gauge("forge.revocation.view.tokens", view, v -> v.size());
        metrics.gauge("forge.revocation.view.cutoffs", view, v -> v.cutoffCount());
        view.start();
    }

    void stop(@Observes ShutdownEvent ev, RevocationView view) {
        view.stop();
    }
}
