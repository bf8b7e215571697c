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
 * keys). If Redis is unreachable, or the subscription is lost (a Redis restart), it subscribes again and
 * then catches up on what it may have missed (client cache emptied, keys reloaded); the periodic
 * reloads keep every instance correct meanwhile, only slower to learn.
 */
@ApplicationScoped
public class ChangeListener {

    private static final Logger LOG = Logger.getLogger(ChangeListener.class);

    private final ReactiveRedisDataSource redis;
    private final ClientRegistry clients;
    private final SigningKeys keys;
    private final Vertx vertx;
    private final java.util.concurrent.atomic.AtomicBoolean retryScheduled = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean resubscribing;

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
                        reloadKeys();
                    }
                }, () -> lost("ended", null), e -> lost("lost", e))
                .subscribe().with(sub -> {
                    LOG.debug("subscribed to change channels");
                    if (resubscribing) {
                        // announcements sent while the feed was down were missed: catch up
                        resubscribing = false;
                        clients.evictAll();
                        reloadKeys();
                    }
                }, e -> lost("cannot be established", e));
    }

    private void reloadKeys() {
        keys.reload().subscribe().with(s -> { }, e -> LOG.warnf("key reload failed: %s", e.getMessage()));
    }

    /** The subscription is gone (Redis restarted, connection lost): subscribe again, one retry loop. */
    private void lost(String what, Throwable e) {
        resubscribing = true;
        if (!retryScheduled.compareAndSet(false, true)) {
            return;
        }
        LOG.warnf("Redis change channels %s (%s); subscribing again in 2 s", what, e == null ? "closed" : e.getMessage());
        vertx.setTimer(2000, id -> {
            retryScheduled.set(false);
            subscribe();
        });
    }
}
