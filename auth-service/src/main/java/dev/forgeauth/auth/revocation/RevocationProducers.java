package dev.forgeauth.auth.revocation;

import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.ratelimit.FailureLimiter;
import dev.forgeauth.core.revocation.RevocationView;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;

/** The shared revocation view and failure limiter (plain forge-core classes) as beans of this service. */
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

    void start(@Observes StartupEvent ev, RevocationView view) {
        view.start();
    }

    void stop(@Observes ShutdownEvent ev, RevocationView view) {
        view.stop();
    }
}
