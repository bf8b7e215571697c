package dev.forgeauth.introspection.opaque;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * {@code last_used_at} / {@code last_used_ip} of PATs and API keys without a database write per request:
 * uses are noted in memory and written in one batch every few seconds (the latest use wins, across
 * instances too, since the update never moves the time backwards).
 */
@ApplicationScoped
public class UsageRecorder {

    private static final Logger LOG = Logger.getLogger(UsageRecorder.class);

    record Use(long at, String address) {
    }

    private final Pool pool;
    private final ConcurrentHashMap<String, Use> pending = new ConcurrentHashMap<>();

    public UsageRecorder(Pool pool) {
        this.pool = pool;
    }

    public void record(String tokenId, String address) {
        if (pending.size() < 100_000) {
            pending.put(tokenId, new Use(System.currentTimeMillis(), address));
        }
    }

    @Scheduled(every = "${forge.usage.flush-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> flush() {
        if (pending.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> batch = new ArrayList<>();
        for (Map.Entry<String, Use> e : pending.entrySet()) {
            if (pending.remove(e.getKey(), e.getValue())) {
                try {
                    batch.add(Tuple.of(UUID.fromString(e.getKey()),
                            Instant.ofEpochMilli(e.getValue().at()).atOffset(ZoneOffset.UTC), e.getValue().address()));
                } catch (IllegalArgumentException ignored) {
                    // not a personal token id
                }
            }
        }
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("UPDATE personal_token SET last_used_at = $2, last_used_ip = $3 WHERE id = $1 "
                        + "AND (last_used_at IS NULL OR last_used_at < $2)")
                .executeBatch(batch)
                .replaceWithVoid()
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("could not record credential use (%s); dropped %d entries", e.getMessage(), batch.size());
                    return null;
                });
    }
}
