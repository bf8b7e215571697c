package dev.forgeauth.auth.config;

import io.quarkus.vertx.VertxOptionsCustomizer;
import io.vertx.core.VertxOptions;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * One event loop per core for this service, unless {@code quarkus.vertx.event-loops-pool-size} says
 * otherwise. Token issuance is CPU-bound (an RSA signature per token, signed on the event loop that
 * received the request): with Quarkus' default of two loops per core, requests queue behind signatures
 * on loops that the kernel time-slices, and the tail latency doubles (docs/benchmarks.md, token
 * issuance: RS256 p99 68 ms with 4 loops on 2 cores, 33 ms with 2).
 */
@ApplicationScoped
public class EventLoops implements VertxOptionsCustomizer {

    @Override
    public void accept(VertxOptions options) {
        boolean explicit = ConfigProvider.getConfig()
                .getOptionalValue("quarkus.vertx.event-loops-pool-size", Integer.class).isPresent();
        if (!explicit) {
            options.setEventLoopPoolSize(Math.max(1, Runtime.getRuntime().availableProcessors()));
        }
    }
}
