package dev.forgeauth.auth.keys;

import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.crypto.RandomTokens;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.lang.JoseException;

/**
 * Signing keys shared by every auth-service instance through PostgreSQL. Each instance keeps an
 * immutable {@link KeySnapshot} for the request path and reconciles on start, on a timer, on demand and
 * when another instance announces a change through Redis. Changes are serialised across instances
 * with a PostgreSQL advisory lock.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7517">RFC 7517</a>
 */
@ApplicationScoped
public class SigningKeys {

    private static final Logger LOG = Logger.getLogger(SigningKeys.class);
    private static final long ADVISORY_LOCK = 0x466f7267654b6579L; // "ForgeKey"
    public static final String CHANNEL = "forge:keys";

    private final Pool pool;
    private final ForgeConfig config;
    private final KeyEncryption encryption;
    private final ReactiveRedisDataSource redis;
    private volatile KeySnapshot snapshot = KeySnapshot.EMPTY;

    public SigningKeys(Pool pool, ForgeConfig config, ReactiveRedisDataSource redis) {
        this.pool = pool;
        this.config = config;
        this.redis = redis;
        this.encryption = new KeyEncryption(config.kek());
        String alg = config.keys().algorithm();
        if (!alg.equals("RS256") && !alg.equals("ES256")) {
            throw new IllegalStateException("forge.keys.algorithm must be RS256 or ES256, not " + alg);
        }
    }

    public KeySnapshot snapshot() {
        return snapshot;
    }

    public KeyEncryption encryption() {
        return encryption;
    }

    @Scheduled(every = "${forge.keys.refresh-interval}", delayed = "${forge.keys.refresh-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledReconcile() {
        return reconcile(false).onFailure().invoke(e -> LOG.warnf("key reconciliation failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Starts a rotation: publishes a next key (or returns the one already pending). */
    public Uni<KeySnapshot> rotate() {
        return reconcile(true);
    }

    /**
     * Applies the lifecycle rules (see {@link KeyLifecycle}) and reloads the snapshot. Key generation
     * (tens of milliseconds for RSA) runs on a worker thread, before the transaction.
     */
    public Uni<KeySnapshot> reconcile(boolean rotateNow) {
        String alg = config.keys().algorithm();
        return readRows(pool)
                .map(rows -> KeyLifecycle.plan(rows, Instant.now(), alg, config.keys().rotationPeriod(), rotateNow))
                .chain(plan -> plan.needsNewKey()
                        ? Uni.createFrom().item(() -> generate(alg)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        : Uni.createFrom().<NewKey>nullItem())
                .chain(candidate -> pool.withTransaction(conn -> conn
                        .preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(ADVISORY_LOCK))
                        .chain(() -> conn.query("DELETE FROM signing_key WHERE status = 'retired' AND retires_at < now()")
                                .execute())
                        .chain(() -> readRows(conn))
                        .chain(rows -> apply(conn, rows, candidate, alg, rotateNow))))
                .call(changed -> changed ? announce() : Uni.createFrom().voidItem())
                .chain(this::reload);
    }

    private Uni<Boolean> apply(SqlClient conn, List<KeyRow> rows, NewKey candidate, String alg, boolean rotateNow) {
        Instant now = Instant.now();
        KeyLifecycle.Plan plan = KeyLifecycle.plan(rows, now, alg, config.keys().rotationPeriod(), rotateNow);
        Uni<Void> chain = Uni.createFrom().voidItem();
        if (plan.needsNewKey()) {
            if (candidate == null) {
                return Uni.createFrom().item(false); // another instance changed the set meanwhile; next round
            }
            KeyStatus status = plan.createActive() ? KeyStatus.ACTIVE : KeyStatus.NEXT;
            Instant activateAt = plan.createActive() ? now : now.plus(config.keys().publishDelay());
            chain = conn.preparedQuery("""
                    INSERT INTO signing_key (kid, alg, status, public_jwk, private_key, activate_at, activated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)""")
                    .execute(Tuple.from(List.of(candidate.kid, candidate.alg, status.dbValue(), candidate.publicJwk,
                            io.vertx.core.buffer.Buffer.buffer(encryption.encrypt(candidate.pkcs8, candidate.kid)),
                            utc(activateAt))).addValue(plan.createActive() ? utc(now) : null))
                    .replaceWithVoid();
            LOG.infof("signing key %s (%s) created as %s", candidate.kid, candidate.alg, status.dbValue());
            if (status == KeyStatus.NEXT && config.keys().publishDelay().isZero()) {
                String kid = candidate.kid;
                chain = chain.chain(() -> promote(conn, kid));
            }
        } else if (plan.promote().isPresent()) {
            chain = promote(conn, plan.promote().get());
        }
        return chain.replaceWith(plan.changesAnything());
    }

    private Uni<Void> promote(SqlClient conn, String kid) {
        // Tokens signed by the outgoing key live at most max-ttl; instances that have not reloaded yet
        // may sign with it for one more refresh interval. Keep it published for that long, plus skew.
        Duration keep = Duration.ofSeconds(config.token().maxTtl()).plus(config.keys().refreshInterval())
                .plusSeconds(60);
        LOG.infof("signing key %s becomes active", kid);
        return conn.preparedQuery("""
                UPDATE signing_key SET status = 'retired', retired_at = now(), retires_at = $1
                WHERE status = 'active'""").execute(Tuple.of(utc(Instant.now().plus(keep))))
                .chain(() -> conn.preparedQuery("""
                        UPDATE signing_key SET status = 'active', activated_at = now() WHERE kid = $1""")
                        .execute(Tuple.of(kid)))
                .replaceWithVoid();
    }

    /** Reloads the snapshot from the database. */
    public Uni<KeySnapshot> reload() {
        return pool.query("""
                SELECT kid, alg, status, public_jwk, private_key, created_at, activate_at, activated_at, retires_at
                FROM signing_key ORDER BY created_at""").execute()
                .map(rs -> {
                    List<KeyRow> rows = new ArrayList<>();
                    Map<String, PublicKey> publics = new HashMap<>();
                    StringBuilder jwks = new StringBuilder("{\"keys\":[");
                    String activeKid = null;
                    String activeAlg = null;
                    PrivateKey activeKey = null;
                    boolean first = true;
                    for (Row r : rs) {
                        KeyRow row = toRow(r);
                        rows.add(row);
                        String json = r.getString("public_jwk");
                        try {
                            publics.put(row.kid(), PublicJsonWebKey.Factory.newPublicJwk(json).getPublicKey());
                        } catch (JoseException e) {
                            LOG.errorf("signing key %s has an unreadable public JWK; skipped", row.kid());
                            continue;
                        }
                        if (!first) {
                            jwks.append(',');
                        }
                        jwks.append(json);
                        first = false;
                        if (row.status() == KeyStatus.ACTIVE) {
                            activeKid = row.kid();
                            activeAlg = row.alg();
                            activeKey = privateKey(row, r.getBuffer("private_key").getBytes());
                        }
                    }
                    jwks.append("]}");
                    KeySnapshot s = new KeySnapshot(activeKid, activeAlg, activeKey, Map.copyOf(publics),
                            List.copyOf(rows), jwks.toString());
                    snapshot = s;
                    return s;
                });
    }

    private Uni<Void> announce() {
        return redis.pubsub(String.class).publish(CHANNEL, "changed")
                .onFailure().invoke(e -> LOG.warnf("cannot announce key change through Redis: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private static Uni<List<KeyRow>> readRows(SqlClient client) {
        return client.query("""
                SELECT kid, alg, status, created_at, activate_at, activated_at, retires_at FROM signing_key""")
                .execute().map(rs -> {
                    List<KeyRow> rows = new ArrayList<>();
                    for (Row r : rs) {
                        rows.add(toRow(r));
                    }
                    return rows;
                });
    }

    private static KeyRow toRow(Row r) {
        return new KeyRow(r.getString("kid"), r.getString("alg"), KeyStatus.of(r.getString("status")),
                instant(r.getOffsetDateTime("created_at")), instant(r.getOffsetDateTime("activate_at")),
                instant(r.getOffsetDateTime("activated_at")), instant(r.getOffsetDateTime("retires_at")));
    }

    private PrivateKey privateKey(KeyRow row, byte[] envelope) {
        try {
            byte[] pkcs8 = encryption.decrypt(envelope, row.kid());
            return KeyFactory.getInstance(row.alg().startsWith("RS") ? "RSA" : "EC")
                    .generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot load signing key " + row.kid(), e);
        }
    }

    record NewKey(String kid, String alg, String publicJwk, byte[] pkcs8) {
    }

    static NewKey generate(String alg) {
        try {
            PublicJsonWebKey jwk = alg.equals("ES256") ? EcJwkGenerator.generateJwk(EllipticCurves.P256)
                    : RsaJwkGenerator.generateJwk(2048);
            String kid = RandomTokens.urlSafe(12);
            jwk.setKeyId(kid);
            jwk.setAlgorithm(alg);
            jwk.setUse("sig");
            return new NewKey(kid, alg, jwk.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY),
                    jwk.getPrivateKey().getEncoded());
        } catch (JoseException e) {
            throw new IllegalStateException("cannot generate a " + alg + " key", e);
        }
    }

    private static OffsetDateTime utc(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
