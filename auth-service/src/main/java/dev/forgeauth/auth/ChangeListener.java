package dev.forgeauth.auth;

import dev.forgeauth.auth.client.ClientRegistry;
import dev.forgeauth.auth.keys.SigningKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Listens to the Redis channels on which instances announce changes (client registrations, signing
 * keys). If Redis is unreachable the subscription is retried; the periodic reloads keep every instance
 * correct meanwhile, only slower to learn.
 */
@ApplicationScoped
public class ChangeListener {

    private static final Logger LOG = Logger.getLogger(ChangeListener.class);

    private final ReactiveRedisDataSource redis;
    private final ClientRegistry clients;
    private final SigningKeys keys;
    private final Vertx vertx;

    public ChangeListener(ReactiveRedisDataSource redis, ClientRegistry clients, SigningKeys keys, Vertx vertx) {
        this.redis = redis;
        this.clients = clients;
        this.keys = keys;
        this.vertx = vertx;
    }

    void onStart(@Observes StartupEvent ev) {
        subscribe();
    }

    private void subscribe() {
        redis.pubsub(String.class)
                .subscribe(java.util.List.of(ClientRegistry.CHANNEL, SigningKeys.CHANNEL), (channel, message) -> {
                    if (ClientRegistry.CHANNEL.equals(channel)) {
                        clients.evictFromListener(message);
                    } else {
                        keys.reload().subscribe().with(s -> { }, e -> LOG.warnf("key reload failed: %s", e.getMessage()));
                    }
                })
                .subscribe().with(sub -> LOG.debug("subscribed to change channels"), e -> {
                    LOG.warnf("cannot subscribe to Redis change channels (%s); retrying in 5 s", e.getMessage());
                    vertx.setTimer(5000, id -> subscribe());
                });
    }
}
