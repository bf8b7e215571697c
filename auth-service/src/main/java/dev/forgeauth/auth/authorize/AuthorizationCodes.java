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
    public record Redeemed(String clientId, UUID userId, String redirectUri, String scope, String codeChallenge,
            String nonce, long authTime, String amr, Instant expiresAt, UUID grantSession) {
    }

    /** The outcome of a redemption: the code, or (for a reused code) the session to end. */
    public record Outcome(Redeemed code, UUID reusedGrantSession) {
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
                        + "code_challenge, nonce, auth_time, amr, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .execute(Tuple.from(new Object[] {hasher.hash(code), p.clientId(), UUID.fromString(p.userId()),
                        p.redirectUri(), p.scope(), p.codeChallenge(), p.nonce(),
                        Instant.ofEpochSecond(p.authTime()).atOffset(ZoneOffset.UTC), p.amr(),
                        Instant.now().plusSeconds(LIFETIME_SECONDS).atOffset(ZoneOffset.UTC)}))
                .replaceWith(code);
    }

    /** Marks the code used and binds it to {@code grantSession}; answers what it holds, or why not. */
    public Uni<Outcome> redeem(String code, UUID grantSession) {
        if (!OpaqueTokens.isValid(code, OpaqueTokens.CODE)) {
            return Uni.createFrom().item(new Outcome(null, null));
        }
        String hash = hasher.hash(code);
        return pool.preparedQuery("UPDATE authorization_code SET used_at = now(), grant_session = $2 "
                        + "WHERE code_hash = $1 AND used_at IS NULL RETURNING *")
                .execute(Tuple.of(hash, grantSession))
                .chain(rs -> {
                    if (rs.iterator().hasNext()) {
                        return Uni.createFrom().item(new Outcome(toRedeemed(rs.iterator().next()), null));
                    }
                    return pool.preparedQuery("SELECT grant_session FROM authorization_code WHERE code_hash = $1")
                            .execute(Tuple.of(hash))
                            .map(old -> new Outcome(null,
                                    old.iterator().hasNext() ? old.iterator().next().getUUID("grant_session") : null));
                });
    }

    static Redeemed toRedeemed(Row r) {
        return new Redeemed(r.getString("client_id"), r.getUUID("user_id"), r.getString("redirect_uri"),
                r.getString("scope"), r.getString("code_challenge"), r.getString("nonce"),
                r.getOffsetDateTime("auth_time").toEpochSecond(), r.getString("amr"),
                r.getOffsetDateTime("expires_at").toInstant(), r.getUUID("grant_session"));
    }
}
