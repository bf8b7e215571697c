package dev.forgeauth.auth.pat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeauth.auth.audit.AuditLog;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.revocation.RevocationLimits;
import dev.forgeauth.auth.revocation.RevocationStore;
import dev.forgeauth.auth.session.SessionStore;
import dev.forgeauth.auth.user.User;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.http.JsonFields;
import dev.forgeauth.core.token.OpaqueTokens;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Personal access tokens ({@code dfpat_}) and API keys ({@code sk_live_}): created by a signed-in user
 * with a subset of the user's scopes, shown once, stored as keyed hashes, listed without values,
 * deleted (revoked at once everywhere) and, for API keys, rotated with a grace period during which the
 * old key keeps working.
 */
@ApplicationScoped
public class PersonalTokenService {

    public static final String PAT = "pat";
    public static final String API_KEY = "api_key";

    /** A created credential and its value (the only time the value exists in clear). */
    public record Created(PersonalToken token, String value) {
    }

    private final Pool pool;
    private final SecretHasher hasher;
    private final RevocationStore revocations;
    private final SessionStore sessions;
    private final AuditLog audit;
    private final ForgeConfig config;
    private final RevocationLimits limits;

    public PersonalTokenService(Pool pool, SecretHasher hasher, RevocationStore revocations, SessionStore sessions,
            AuditLog audit, ForgeConfig config, RevocationLimits limits) {
        this.limits = limits;
        this.pool = pool;
        this.hasher = hasher;
        this.revocations = revocations;
        this.sessions = sessions;
        this.audit = audit;
        this.config = config;
    }

    /**
     * Creates a credential. Creating, rotating and deleting count against the user's credential-change
     * limit (429 past it), whether from the API or the account page.
     */
    public Uni<Created> create(User user, String kind, JsonNode body) {
        return limits.credentialChange(user.id()).chain(() -> createNow(user, kind, body));
    }

    private Uni<Created> createNow(User user, String kind, JsonNode body) {
        String name = JsonFields.requiredText(body, "name", 100).strip();
        if (name.isEmpty()) {
            throw OAuthException.invalidRequest("name must not be blank");
        }
        List<String> scopes = scopes(body.get("scopes"), user);
        Instant expires = expiry(kind, body.get("expires_in_days"));
        return countLive(user.id(), kind).chain(n -> {
            if (n >= config.credentials().maxPerUser()) {
                return Uni.createFrom().failure(OAuthException.invalidRequest(
                        "Too many live credentials of this kind; delete some first"));
            }
            return insert(user.id(), kind, name, scopes, expires);
        }).call(c -> audit.record(PAT.equals(kind) ? "pat.created" : "api_key.created", user.id(), null, null,
                new JsonObject().put("id", c.token().id().toString()).put("scopes", String.join(" ", scopes))));
    }

    private Uni<Created> insert(UUID userId, String kind, String name, List<String> scopes, Instant expires) {
        String value = OpaqueTokens.generate(PAT.equals(kind) ? OpaqueTokens.PAT : OpaqueTokens.API_KEY);
        UUID id = UUID.randomUUID();
        return pool.preparedQuery("INSERT INTO personal_token (id, kind, user_id, name, token_hash, scopes, expires_at) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *")
                .execute(Tuple.from(new Object[] {id, kind, userId, name, hasher.hash(value), scopes.toArray(String[]::new),
                        expires == null ? null : expires.atOffset(ZoneOffset.UTC)}))
                .map(rs -> new Created(toToken(rs.iterator().next()), value));
    }

    public Uni<List<PersonalToken>> list(UUID userId, String kind) {
        return pool.preparedQuery("SELECT * FROM personal_token WHERE user_id = $1 AND kind = $2 AND revoked_at IS NULL "
                        + "AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at DESC")
                .execute(Tuple.of(userId, kind)).map(PersonalTokenService::all);
    }

    /**
     * Deletes (revokes) one of the user's credentials; false when there is no such live credential. An API
     * key and its rotations are one key: deleting any of its values (the current one, or one still in its
     * grace period) ends every value of it, predecessors and successors, everywhere.
     */
    public Uni<Boolean> delete(UUID userId, String kind, UUID id) {
        return limits.credentialChange(userId).chain(() -> pool.withTransaction(conn -> conn.preparedQuery(
                        "SELECT 1 FROM personal_token WHERE id = $1 AND user_id = $2 AND kind = $3 AND revoked_at IS NULL "
                        + "AND (expires_at IS NULL OR expires_at > now()) FOR UPDATE")
                .execute(Tuple.of(id, userId, kind))
                .chain(live -> !live.iterator().hasNext() ? Uni.createFrom().item((RowSet<Row>) null)
                        : conn.preparedQuery("""
                                WITH RECURSIVE lineage AS (
                                    SELECT id, rotated_to FROM personal_token WHERE id = $1 AND user_id = $2
                                    UNION
                                    SELECT p.id, p.rotated_to FROM personal_token p JOIN lineage l
                                        ON p.id = l.rotated_to OR p.rotated_to = l.id
                                    WHERE p.user_id = $2)
                                UPDATE personal_token SET revoked_at = now()
                                WHERE id IN (SELECT id FROM lineage) AND user_id = $2 AND kind = $3
                                  AND revoked_at IS NULL
                                RETURNING id, token_hash, expires_at""")
                                .execute(Tuple.of(id, userId, kind))))
                .chain(rs -> {
                    if (rs == null) {
                        return Uni.createFrom().item(false);
                    }
                    Uni<Void> all = Uni.createFrom().voidItem();
                    for (Row r : rs) {
                        UUID ended = r.getUUID("id");
                        String hash = r.getString("token_hash");
                        OffsetDateTime exp = r.getOffsetDateTime("expires_at");
                        all = all.chain(() -> revoke(ended, kind, userId, hash, exp));
                    }
                    return all.call(() -> audit.record(PAT.equals(kind) ? "pat.deleted" : "api_key.deleted", userId, null,
                                    null, new JsonObject().put("id", id.toString()).put("values", rs.rowCount())))
                            .replaceWith(true);
                }));
    }

    /**
     * Replaces an API key: the new key is returned; the old one keeps working for {@code grace} and then
     * stops by itself (its expiry is brought forward).
     */
    public Uni<Created> rotate(UUID userId, UUID id, Duration grace) {
        Instant until = Instant.now().plus(grace);
        return limits.credentialChange(userId).chain(() -> pool.withTransaction(conn -> conn.preparedQuery("SELECT * FROM personal_token WHERE id = $1 "
                        + "AND user_id = $2 AND kind = 'api_key' AND revoked_at IS NULL AND rotated_to IS NULL "
                        + "AND (expires_at IS NULL OR expires_at > now()) FOR UPDATE")
                .execute(Tuple.of(id, userId))
                .chain(rs -> {
                    if (!rs.iterator().hasNext()) {
                        return Uni.createFrom().failure(OAuthException.notFound("No such API key"));
                    }
                    PersonalToken old = toToken(rs.iterator().next());
                    String value = OpaqueTokens.generate(OpaqueTokens.API_KEY);
                    UUID newId = UUID.randomUUID();
                    Instant oldUntil = old.expiresAt() != null && old.expiresAt().isBefore(until) ? old.expiresAt() : until;
                    return conn.preparedQuery("INSERT INTO personal_token (id, kind, user_id, name, token_hash, scopes, "
                                    + "expires_at) VALUES ($1, 'api_key', $2, $3, $4, $5, $6) RETURNING *")
                            .execute(Tuple.from(new Object[] {newId, userId, old.name(), hasher.hash(value),
                                    old.scopes().toArray(String[]::new),
                                    old.expiresAt() == null ? null : old.expiresAt().atOffset(ZoneOffset.UTC)}))
                            .map(ins -> new Created(toToken(ins.iterator().next()), value))
                            .call(c -> conn.preparedQuery("UPDATE personal_token SET rotated_to = $2, expires_at = $3 "
                                    + "WHERE id = $1 RETURNING token_hash")
                                    .execute(Tuple.of(id, newId, oldUntil.atOffset(ZoneOffset.UTC)))
                                    .chain(upd -> sessions.evictCached(List.of(upd.iterator().next().getString("token_hash")))));
                }))
                .call(c -> audit.record("api_key.rotated", userId, null, null,
                        new JsonObject().put("id", id.toString()).put("replaced_by", c.token().id().toString())
                                .put("grace_seconds", grace.toSeconds()))));
    }

    /**
     * Revokes one credential everywhere: the revocation feed names it by its id. The record is short-lived
     * (the row already fails every lookup; see {@link RevocationStore#revokeOpaque}).
     */
    private Uni<Void> revoke(UUID id, String kind, UUID userId, String tokenHash, OffsetDateTime expiresAt) {
        return sessions.evictCached(List.of(tokenHash))
                .chain(() -> revocations.revokeOpaque(id.toString(), kind, userId.toString(),
                        expiresAt == null ? null : expiresAt.toEpochSecond()));
    }

    /** Revokes by value (the revocation endpoint); false when the value names no live credential. */
    public Uni<Boolean> revokeByValue(String value) {
        return pool.preparedQuery("UPDATE personal_token SET revoked_at = now() WHERE token_hash = $1 "
                        + "AND revoked_at IS NULL RETURNING id, kind, user_id, token_hash, expires_at")
                .execute(Tuple.of(hasher.hash(value)))
                .chain(rs -> {
                    if (!rs.iterator().hasNext()) {
                        return Uni.createFrom().item(false);
                    }
                    Row r = rs.iterator().next();
                    return revoke(r.getUUID("id"), r.getString("kind"), r.getUUID("user_id"), r.getString("token_hash"),
                            r.getOffsetDateTime("expires_at")).replaceWith(true);
                });
    }

    private Uni<Long> countLive(UUID userId, String kind) {
        return pool.preparedQuery("SELECT count(*) FROM personal_token WHERE user_id = $1 AND kind = $2 "
                        + "AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())")
                .execute(Tuple.of(userId, kind)).map(rs -> rs.iterator().next().getLong(0));
    }

    /** The requested scopes: each one the user holds (else {@code invalid_scope}); all of them when absent. */
    static List<String> scopes(JsonNode node, User user) {
        if (node == null || node.isNull()) {
            return user.scopes();
        }
        if (!node.isArray() || node.isEmpty()) {
            throw OAuthException.invalidRequest("scopes must be a non-empty array of strings");
        }
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode s : node) {
            if (!s.isTextual()) {
                throw OAuthException.invalidRequest("scopes must be an array of strings");
            }
            if (!user.scopes().contains(s.textValue())) {
                throw OAuthException.invalidScope("Scope '" + s.textValue() + "' is not one of yours");
            }
            out.add(s.textValue());
        }
        return List.copyOf(out);
    }

    Instant expiry(String kind, JsonNode days) {
        if (days == null || days.isNull()) {
            return PAT.equals(kind) ? Instant.now().plus(Duration.ofDays(config.credentials().patDefaultDays())) : null;
        }
        int max = PAT.equals(kind) ? config.credentials().patMaxDays() : 3650;
        if (!days.isIntegralNumber() || days.longValue() < 1 || days.longValue() > max) {
            throw OAuthException.invalidRequest("expires_in_days must be a whole number from 1 to " + max);
        }
        return Instant.now().plus(Duration.ofDays(days.longValue()));
    }

    static List<PersonalToken> all(RowSet<Row> rs) {
        List<PersonalToken> out = new ArrayList<>();
        for (Row r : rs) {
            out.add(toToken(r));
        }
        return out;
    }

    static PersonalToken toToken(Row r) {
        OffsetDateTime exp = r.getOffsetDateTime("expires_at");
        OffsetDateTime used = r.getOffsetDateTime("last_used_at");
        return new PersonalToken(r.getUUID("id"), r.getString("kind"), r.getUUID("user_id"), r.getString("name"),
                List.of(r.getArrayOfStrings("scopes")), r.getOffsetDateTime("created_at").toInstant(),
                exp == null ? null : exp.toInstant(), used == null ? null : used.toInstant(), r.getString("last_used_ip"),
                r.getUUID("rotated_to"));
    }
}
