package dev.forgeauth.core.revocation;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.sortedset.ScoredValue;
import io.smallrye.mutiny.Uni;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The in-process copy of the revocation list that every token check consults: no network round trip
 * on the hot path. Loaded from Redis at start, kept current by the pub/sub messages, reloaded whenever
 * the subscription is re-established (messages sent while it was down are not lost, since the writer
 * stores each revocation in Redis before publishing it and re-seeds Redis from PostgreSQL after a Redis
 * restart).
 *
 * <p>Loads only ever add: a revocation is never undone, so merging is always correct, and a Redis that
 * restarted empty cannot make this view forget anything it knew. Entries leave when the token they
 * name would have expired anyway.
 */
public class RevocationView {

    private static final Logger LOG = Logger.getLogger(RevocationView.class);
    /**
     * Entries are kept this long past their expiry. The writer already adds its margin (clock skew, feed
     * delay) to every expiry; this only absorbs clock differences between writer and reader.
     */
    static final long RETENTION_SECONDS = 5;
    /** How often expired entries leave the view: short, so a revoke loop's records do not linger. */
    static final long PRUNE_MILLIS = 5_000;

    private final ReactiveRedisDataSource redis;
    private final Vertx vertx;
    private final ConcurrentHashMap<String, Long> tokens = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> clientCutoffs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> subjectCutoffs = new ConcurrentHashMap<>();
    private volatile boolean loaded;
    private volatile boolean subscribed;
    private volatile long lastEventAt;
    private final java.util.List<Consumer<String>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private ReactivePubSubCommands.ReactiveRedisSubscriber subscriber;
    private volatile boolean stopped;
    /** Changes on every subscription confirmed or lost: a load counts as "live" only within one. */
    private final java.util.concurrent.atomic.AtomicLong feed = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean feedUp;
    private final AtomicBoolean resubscribeScheduled = new AtomicBoolean();
    /** 0: no load running; 1: one running; 2: one running and another asked for (runs after it). */
    private final AtomicInteger reloadState = new AtomicInteger();

    public RevocationView(ReactiveRedisDataSource redis, Vertx vertx) {
        this.redis = redis;
        this.vertx = vertx;
    }

    /**
     * Called for every revocation learnt, e.g. to evict caches: with the token id, or with null for a
     * client or subject cut-off.
     */
    public void onTokenRevoked(Consumer<String> listener) {
        listeners.add(listener);
    }

    private void notifyListeners(String tokenId) {
        for (Consumer<String> l : listeners) {
            try {
                l.accept(tokenId);
            } catch (RuntimeException e) {
                LOG.warnf("revocation listener failed: %s", e.getMessage());
            }
        }
    }

    /** True when the token id is revoked, or its client or subject was cut off after it was issued. */
    public boolean isRevoked(String tokenId, String clientId, String subject, long issuedAt) {
        if (tokenId != null && tokens.containsKey(tokenId)) {
            return true;
        }
        if (clientId != null) {
            Long nb = clientCutoffs.get(clientId);
            if (nb != null && issuedAt < nb) {
                return true;
            }
        }
        if (subject != null) {
            Long nb = subjectCutoffs.get(subject);
            return nb != null && issuedAt < nb;
        }
        return false;
    }

    /**
     * The latest cut-off (epoch seconds, "issued before") of this client or subject, or 0. An issuer uses
     * it to date a token issued after a cut-off in the cut-off's own second past it: iat has second
     * precision, and a cut-off covers the whole second it was made in.
     */
    public long notBefore(String clientId, String subject) {
        long nb = 0;
        if (clientId != null) {
            nb = clientCutoffs.getOrDefault(clientId, 0L);
        }
        if (subject != null) {
            nb = Math.max(nb, subjectCutoffs.getOrDefault(subject, 0L));
        }
        return nb;
    }

    /** As {@link #isRevoked(String, String, String, long)}, and revoked when its session was ended. */
    public boolean isRevoked(dev.forgeauth.core.jwt.VerifiedToken t) {
        return isRevoked(t.jti(), t.clientId(), t.subject(), t.issuedAt())
                || t.sessionId() != null && tokens.containsKey(t.sessionId());
    }

    /** Loaded at least once: answers are complete for everything revoked before the start. */
    public boolean loaded() {
        return loaded;
    }

    /** The pub/sub subscription is live: revocations arrive as they happen. */
    public boolean live() {
        return subscribed;
    }

    /** Token revocations held (each one in the memory of every instance until it is pruned). */
    public int size() {
        return tokens.size();
    }

    /** Client and subject cut-offs held. */
    public int cutoffCount() {
        return clientCutoffs.size() + subjectCutoffs.size();
    }

    /**
     * Subscribes, and once Redis has confirmed the subscription loads the list; retries both until
     * Redis answers, and subscribes again (then reloads) whenever the feed is lost.
     */
    public void start() {
        stopped = false;
        subscribe();
        vertx.setPeriodic(PRUNE_MILLIS, id -> prune());
    }

    public void stop() {
        stopped = true;
        ReactivePubSubCommands.ReactiveRedisSubscriber s;
        synchronized (this) {
            s = subscriber;
            subscriber = null;
        }
        if (s != null) {
            s.unsubscribe().subscribe().with(v -> { }, e -> { });
        }
    }

    private void subscribe() {
        if (stopped) {
            return;
        }
        redis.pubsub(String.class).subscribe(RevocationKeys.CHANNEL, this::onMessage,
                        () -> lost("ended", null), e -> lost("lost", e))
                .subscribe().with(s -> {
                    synchronized (this) {
                        subscriber = s;
                    }
                    if (stopped) {
                        stop();
                        return;
                    }
                    // Redis confirmed the subscription: load now, and nothing published from here on is
                    // missed (the writer stores every revocation before publishing it)
                    feedUp = true;
                    feed.incrementAndGet();
                    reload();
                }, e -> lost("cannot be established", e));
    }

    /** The feed is gone: not live until a new subscription is confirmed and loaded; one retry loop. */
    private void lost(String what, Throwable e) {
        feedUp = false;
        feed.incrementAndGet();
        subscribed = false;
        if (stopped || !resubscribeScheduled.compareAndSet(false, true)) {
            return;
        }
        LOG.warnf("revocation feed %s (%s); subscribing again", what, e == null ? "closed" : e.getMessage());
        vertx.setTimer(1000, id -> {
            resubscribeScheduled.set(false);
            subscribe();
        });
    }

    /** Loads the full list from Redis and merges it in. */
    public Uni<Void> load() {
        long now = System.currentTimeMillis() / 1000;
        // what this view still keeps (see prune): a token may be accepted for a clock skew past its exp
        return redis.sortedSet(String.class).zrangebyscoreWithScores(RevocationKeys.TOKENS,
                        new ScoreRange<>((double) now - RETENTION_SECONDS, Double.POSITIVE_INFINITY))
                .invoke(list -> {
                    for (ScoredValue<String> v : list) {
                        addToken(v.value(), (long) v.score());
                    }
                })
                .chain(() -> redis.hash(Long.class).hgetall(RevocationKeys.CUTOFF_CLIENT))
                .invoke(m -> mergeCutoffs(clientCutoffs, m))
                .chain(() -> redis.hash(Long.class).hgetall(RevocationKeys.CUTOFF_SUBJECT))
                .invoke(m -> mergeCutoffs(subjectCutoffs, m))
                .invoke(() -> loaded = true)
                .replaceWithVoid();
    }

    /** Loads the list again; concurrent requests share a load (one more runs after the current one). */
    private void reload() {
        if (reloadState.getAndUpdate(st -> st == 0 ? 1 : 2) == 0) {
            runReload();
        }
    }

    private void runReload() {
        if (stopped) {
            reloadState.set(0);
            return;
        }
        long f = feed.get();
        boolean up = feedUp;
        load().subscribe().with(v -> {
            if (up && f == feed.get()) {
                subscribed = true; // loaded after a subscription that is still the current one
            }
            LOG.debugf("revocation view loaded: %d tokens, %d client and %d subject cut-offs", tokens.size(),
                    clientCutoffs.size(), subjectCutoffs.size());
            if (reloadState.getAndUpdate(st -> st == 2 ? 1 : 0) == 2) {
                runReload();
            }
        }, e -> {
            LOG.warnf("cannot load revocations from Redis (%s); retrying", e.getMessage());
            vertx.setTimer(1000, id -> runReload());
        });
    }

    void onMessage(String message) {
        lastEventAt = System.nanoTime();
        JsonObject m;
        try {
            m = new JsonObject(message);
        } catch (RuntimeException e) {
            LOG.warn("ignoring an unreadable revocation message");
            return;
        }
        String type = m.getString("t", "");
        switch (type) {
            case "token" -> addToken(m.getString("id"), m.getLong("exp", Long.MAX_VALUE));
            case "client" -> addClientCutoff(m.getString("id"), m.getLong("nbf"));
            case "subject" -> addSubjectCutoff(m.getString("id"), m.getLong("nbf"));
            case "reload" -> reload();
            // a credential changed (fewer scopes), not revoked: only caches of its answers must go
            case "changed" -> notifyListeners(m.getString("id"));
            default -> LOG.debugf("ignoring revocation message of type %s", type);
        }
    }

    /** Applies a revocation learnt in-process (the writer's own view). */
    public void addToken(String id, long expiresAt) {
        if (id == null) {
            return;
        }
        Long before = tokens.get(id);
        tokens.merge(id, expiresAt, Math::max);
        // only a revocation learnt for the first time concerns the caches: a reload that merges the
        // whole list again must not make every listener scan its cache once per known id
        if (before == null) {
            notifyListeners(id);
        }
    }

    public void addClientCutoff(String clientId, long notBefore) {
        clientCutoffs.merge(clientId, notBefore, Math::max);
        notifyListeners(null);
    }

    public void addSubjectCutoff(String subject, long notBefore) {
        subjectCutoffs.merge(subject, notBefore, Math::max);
        notifyListeners(null);
    }

    private static void mergeCutoffs(ConcurrentHashMap<String, Long> into, Map<String, Long> from) {
        from.forEach((k, v) -> {
            if (v != null) {
                into.merge(k, v, Math::max);
            }
        });
    }

    void prune() {
        long now = System.currentTimeMillis() / 1000;
        tokens.values().removeIf(exp -> exp < now - RETENTION_SECONDS);
    }
}
