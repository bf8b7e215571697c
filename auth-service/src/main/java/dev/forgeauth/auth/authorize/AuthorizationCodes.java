package dev.forgeauth.auth.authorize;

import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.token.OpaqueTokens;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Authorization codes: 60 seconds, single use, stored as keyed hashes. Redemption is one atomic update,
 * so of two racing redemptions exactly one wins; the other (and any later one) learns the grant session
 * of the winner, so that the tokens issued from the first use can be revoked.
 */
@ApplicationScoped
public class AuthorizationCodes {

    static final long LIFETIME_SECONDS = 60;

    /** A redeemed code's content. */
    public record Redeemed(String clientId, UUID userId, String redirectUri, boolean redirectUriSent, String scope,
            String codeChallenge, String nonce, long authTime, String amr, Instant expiresAt, UUID grantSession,
            boolean used) {
    }

    private final Pool pool;
    private final SecretHasher hasher;

    public AuthorizationCodes(Pool pool, SecretHasher hasher) {
        this.pool = pool;
        this.hasher = hasher;
    }

    public Uni<String> issue(PendingAuthorization p) {
        String code = OpaqueTokens.generate(OpaqueTokens.CODE);
        return pool.preparedQuery("INSERT INTO authorization_code (code_hash, client_id, user_id, redirect_uri, scope, "
                        + "code_challenge, nonce, auth_time, amr, expires_at, redirect_uri_sent) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                .execute(Tuple.from(new Object[] {hasher.hash(code), p.clientId(), UUID.fromString(p.userId()),
                        p.redirectUri(), p.scope(), p.codeChallenge(), p.nonce(),
                        Instant.ofEpochSecond(p.authTime()).atOffset(ZoneOffset.UTC), p.amr(),
                        Instant.now().plusSeconds(LIFETIME_SECONDS).atOffset(ZoneOffset.UTC), p.redirectUriSent()}))
                .replaceWith(code);
    }

    /** What the code holds (used or not), without changing anything; null when there is no such code. */
    public Uni<Redeemed> find(String code) {
        if (!OpaqueTokens.isValid(code, OpaqueTokens.CODE)) {
            return Uni.createFrom().nullItem();
        }
        return pool.preparedQuery("SELECT * FROM authorization_code WHERE code_hash = $1")
                .execute(Tuple.of(hasher.hash(code)))
                .map(rs -> rs.iterator().hasNext() ? toRedeemed(rs.iterator().next()) : null);
    }

    /**
     * Marks the code used and binds it to {@code grantSession}, once: true for the one redemption that
     * wins. A caller checks the client, redirect URI and PKCE with {@link #find} first, so that a request
     * that would fail anyway cannot burn the code.
     */
    public Uni<Boolean> redeem(String code, UUID grantSession) {
        return pool.preparedQuery("UPDATE authorization_code SET used_at = now(), grant_session = $2 "
                        + "WHERE code_hash = $1 AND used_at IS NULL")
                .execute(Tuple.of(hasher.hash(code), grantSession))
                .map(rs -> rs.rowCount() == 1);
    }

    /** The grant session of the redemption that won (after a lost race or for a reused code). */
    public Uni<UUID> grantSessionOf(String code) {
        return pool.preparedQuery("SELECT grant_session FROM authorization_code WHERE code_hash = $1")
                .execute(Tuple.of(hasher.hash(code)))
                .map(rs -> rs.iterator().hasNext() ? rs.iterator().next().getUUID("grant_session") : null);
    }

    static Redeemed toRedeemed(Row r) {
        return new Redeemed(r.getString("client_id"), r.getUUID("user_id"), r.getString("redirect_uri"),
                r.getBoolean("redirect_uri_sent"), r.getString("scope"), r.getString("code_challenge"),
                r.getString("nonce"), r.getOffsetDateTime("auth_time").toEpochSecond(), r.getString("amr"),
                r.getOffsetDateTime("expires_at").toInstant(), r.getUUID("grant_session"),
                r.getOffsetDateTime("used_at") != null);
    }
}
