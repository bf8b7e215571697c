package dev.forgeauth.core.revocation;

/**
 * Where revocations live in Redis, shared by the writer (auth-service) and the readers.
 * <ul>
 * <li>{@link #TOKENS}: sorted set, member = token id (jti, or the lookup hash of an opaque token),
 * score = the epoch second when that token would have expired anyway; pruned by score, so the set
 * never grows past the tokens still alive.</li>
 * <li>{@link #CUTOFF_CLIENT}, {@link #CUTOFF_SUBJECT}: hashes, field = client id / subject, value =
 * epoch second before which every token of it is revoked ("not before").</li>
 * <li>{@link #MARKER}{@code :<deployment id>}: present while Redis holds this installation's full set;
 * its absence after a Redis restart tells the auth-service to re-seed Redis from PostgreSQL.</li>
 * <li>{@link #CHANNEL}: pub/sub, one JSON message per revocation, or {@code {"t":"reload"}}.</li>
 * </ul>
 */
public final class RevocationKeys {
    public static final String TOKENS = "forge:revoked:tokens";
    public static final String CUTOFF_CLIENT = "forge:revoked:cutoff:client";
    public static final String CUTOFF_SUBJECT = "forge:revoked:cutoff:subject";
    public static final String MARKER = "forge:revoked:seeded";
    public static final String CHANNEL = "forge:revocations";
    /**
     * Prefix of the introspection service's short cache of opaque tokens, keyed by the token's keyed
     * hash; the auth-service deletes an entry when it revokes, rotates or ends what it describes.
     */
    public static final String OPAQUE_CACHE = "forge:opaque:";

    private RevocationKeys() {
    }
}
