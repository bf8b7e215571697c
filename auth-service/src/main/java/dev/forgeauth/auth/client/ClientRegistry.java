package dev.forgeauth.auth.client;

import dev.forgeauth.auth.config.ForgeConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Clients as the token endpoint reads them: from memory when seen recently, from PostgreSQL otherwise.
 * Changes made through the admin API evict the entry here at once and, through Redis pub/sub, on every
 * other instance; the TTL bounds staleness if a message is lost.
 */
@ApplicationScoped
public class ClientRegistry {

    private static final Logger LOG = Logger.getLogger(ClientRegistry.class);
    public static final String CHANNEL = "forge:clients";
    private static final int MAX_ENTRIES = 100_000;

    private final ClientRepository repository;
    private final ReactiveRedisDataSource redis;
    private final long ttlNanos;
    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();

    private record Entry(Optional<Client> client, long expiresAt) {
    }

    public ClientRegistry(ClientRepository repository, ReactiveRedisDataSource redis, ForgeConfig config) {
        this.repository = repository;
        this.redis = redis;
        this.ttlNanos = config.clientCache().ttl().toNanos();
    }

    /** The client, or an empty optional when there is no such client. */
    public Uni<Optional<Client>> find(String clientId) {
        Entry e = cache.get(clientId);
        long now = System.nanoTime();
        if (e != null && now - e.expiresAt < 0) {
            return Uni.createFrom().item(e.client);
        }
        return repository.find(clientId).map(c -> {
            Optional<Client> found = Optional.ofNullable(c);
            // unknown ids are not cached: a flood of random ids must not evict the real ones
            if (found.isPresent()) {
                if (cache.size() >= MAX_ENTRIES) {
                    cache.clear();
                }
                cache.put(clientId, new Entry(found, System.nanoTime() + ttlNanos));
            }
            return found;
        });
    }

    /** Evicts locally and tells the other instances. */
    public Uni<Void> changed(String clientId) {
        cache.remove(clientId);
        return redis.pubsub(String.class).publish(CHANNEL, clientId)
                .onFailure().invoke(e -> LOG.warnf("cannot announce client change through Redis: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    public void evictFromListener(String clientId) {
        cache.remove(clientId);
    }

    /** Forgets every cached client: announcements may have been missed (the change feed was down). */
    public void evictAll() {
        cache.clear();
    }
}
