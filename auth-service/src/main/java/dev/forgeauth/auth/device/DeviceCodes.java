package dev.forgeauth.auth.device;

import dev.forgeauth.core.crypto.RandomTokens;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.token.OpaqueTokens;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Device authorization state (RFC 8628): the device code (stored as a keyed hash) and the short user code
 * the person types on another screen (eight letters from an alphabet without vowels or look-alikes,
 * shown as XXXX-XXXX: about 34 bits, enough for a code that lives ten minutes and is rate limited).
 */
@ApplicationScoped
public class DeviceCodes {

    private static final Logger LOG = Logger.getLogger(DeviceCodes.class);
    static final String USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
    public static final long LIFETIME_SECONDS = 600;

    public record Issued(String deviceCode, String userCode) {
    }

    /** {@code originAddress} and {@code createdAt}: who asked, and when (shown on the confirmation page). */
    public record Pending(String deviceHash, String userCode, String clientId, String scope, String status, UUID userId,
            Long authTime, int interval, Instant lastPollAt, Instant expiresAt, String originAddress,
            Instant createdAt) {
    }

    /** Fresh user codes tried before giving up with 503: at 34 bits a second collision is already rare. */
    static final int MAX_USER_CODE_ATTEMPTS = 5;

    private final Pool pool;
    private final SecretHasher hasher;
    private final int interval;
    private volatile Supplier<String> userCodes = DeviceCodes::userCode;

    public DeviceCodes(Pool pool, SecretHasher hasher, dev.forgeauth.auth.config.ForgeConfig config) {
        this.pool = pool;
        this.hasher = hasher;
        this.interval = config.device().interval();
    }

    /** Seconds a device must wait between polls (RFC 8628 §3.2 {@code interval}). */
    public int interval() {
        return interval;
    }

    /** Where user codes come from (a test forces a collision with it). */
    void userCodes(Supplier<String> source) {
        this.userCodes = source == null ? DeviceCodes::userCode : source;
    }

    /**
     * A new device code and user code for {@code clientId}, asked for from {@code originAddress}. A user
     * code already taken is replaced by a fresh one (a few times, then 503), never a 500.
     */
    public Uni<Issued> issue(String clientId, String scope, String originAddress) {
        return issue(clientId, scope, originAddress, 1);
    }

    private Uni<Issued> issue(String clientId, String scope, String originAddress, int attempt) {
        String device = OpaqueTokens.generate(OpaqueTokens.DEVICE_CODE);
        String user = userCodes.get();
        return pool.preparedQuery("INSERT INTO device_code (device_hash, user_code, client_id, scope, interval_s, expires_at, "
                        + "origin_address) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_code) DO NOTHING")
                .execute(Tuple.from(new Object[] {hasher.hash(device), user, clientId, scope, interval,
                        Instant.now().plusSeconds(LIFETIME_SECONDS).atOffset(ZoneOffset.UTC), originAddress}))
                .chain(rs -> {
                    if (rs.rowCount() == 1) {
                        return Uni.createFrom().item(new Issued(device, user));
                    }
                    if (attempt >= MAX_USER_CODE_ATTEMPTS) {
                        LOG.warnf("%d user codes in a row were taken; device authorization refused", attempt);
                        return Uni.createFrom().failure(
                                OAuthException.unavailable("No free user code could be found; try again"));
                    }
                    LOG.debugf("user code collision (attempt %d); trying a fresh one", attempt);
                    return issue(clientId, scope, originAddress, attempt + 1);
                });
    }

    /** Finds a pending request by the code the user typed (case and dashes forgiven). */
    public Uni<Pending> findByUserCode(String typed) {
        String code = normalise(typed);
        if (code == null) {
            return Uni.createFrom().nullItem();
        }
        return one("SELECT * FROM device_code WHERE user_code = $1 AND status = 'pending' AND expires_at > now()",
                Tuple.of(code));
    }

    /** Records the user's decision; false when the code is no longer pending. */
    public Uni<Boolean> decide(String userCode, UUID userId, boolean approve) {
        return pool.preparedQuery("UPDATE device_code SET status = $3, user_id = $2, auth_time = now() "
                        + "WHERE user_code = $1 AND status = 'pending' AND expires_at > now()")
                .execute(Tuple.of(userCode, userId, approve ? "approved" : "denied"))
                .map(rs -> rs.rowCount() == 1);
    }

    /**
     * One poll by the device: locks the row, records the poll time (and a longer interval when it polled
     * too fast), and for an approved code marks it used, so tokens are handed out exactly once.
     */
    public Uni<Pending> poll(String deviceCode) {
        if (!OpaqueTokens.isValid(deviceCode, OpaqueTokens.DEVICE_CODE)) {
            return Uni.createFrom().nullItem();
        }
        String hash = hasher.hash(deviceCode);
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT * FROM device_code WHERE device_hash = $1 FOR UPDATE")
                .execute(Tuple.of(hash))
                .chain(rs -> {
                    if (!rs.iterator().hasNext()) {
                        return Uni.createFrom().nullItem();
                    }
                    Pending p = toPending(rs.iterator().next());
                    Instant now = Instant.now();
                    boolean tooFast = p.lastPollAt() != null
                            && p.lastPollAt().plusSeconds(p.interval()).isAfter(now.plusMillis(100));
                    int interval = tooFast ? p.interval() + 5 : p.interval();
                    String status = "approved".equals(p.status()) && !tooFast ? "used" : p.status();
                    return conn.preparedQuery("UPDATE device_code SET last_poll_at = now(), interval_s = $2, status = $3 "
                                    + "WHERE device_hash = $1")
                            .execute(Tuple.of(hash, interval, status))
                            .replaceWith(new Pending(p.deviceHash(), p.userCode(), p.clientId(), p.scope(),
                                    tooFast ? "slow_down" : p.status(), p.userId(), p.authTime(), interval, now,
                                    p.expiresAt(), p.originAddress(), p.createdAt()));
                }));
    }

    private Uni<Pending> one(String sql, Tuple args) {
        return pool.preparedQuery(sql).execute(args)
                .map(rs -> rs.iterator().hasNext() ? toPending(rs.iterator().next()) : null);
    }

    static Pending toPending(Row r) {
        OffsetDateTime last = r.getOffsetDateTime("last_poll_at");
        OffsetDateTime auth = r.getOffsetDateTime("auth_time");
        return new Pending(r.getString("device_hash"), r.getString("user_code"), r.getString("client_id"),
                r.getString("scope"), r.getString("status"), r.getUUID("user_id"),
                auth == null ? null : auth.toEpochSecond(), r.getInteger("interval_s"),
                last == null ? null : last.toInstant(), r.getOffsetDateTime("expires_at").toInstant(),
                r.getString("origin_address"), r.getOffsetDateTime("created_at").toInstant());
    }

    static String userCode() {
        byte[] r = RandomTokens.bytes(8);
        StringBuilder sb = new StringBuilder(9);
        for (int i = 0; i < 8; i++) {
            if (i == 4) {
                sb.append('-');
            }
            sb.append(USER_CODE_ALPHABET.charAt((r[i] & 0xff) % USER_CODE_ALPHABET.length()));
        }
        return sb.toString();
    }

    /** XXXX-XXXX from what a person typed, or null. */
    static String normalise(String typed) {
        if (typed == null) {
            return null;
        }
        String c = typed.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z]", "");
        if (c.length() != 8 || !c.chars().allMatch(ch -> USER_CODE_ALPHABET.indexOf(ch) >= 0)) {
            return null;
        }
        return c.substring(0, 4) + "-" + c.substring(4);
    }
}
