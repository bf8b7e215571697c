package dev.forgeauth.introspection.opaque;

import io.smallrye.mutiny.Uni;
import java.util.Optional;

/**
 * One kind of opaque token (PAT {@code dfpat_}, API key {@code sk_live_}, session, refresh token
 * {@code df_rt_}). A kind is a bean implementing this; {@link OpaqueTokenLookup} does the rest
 * (format check, hashing, the Redis cache, revocation), so adding a kind is only its storage query.
 */
public interface OpaqueTokenKind {

    /** The prefix that identifies the kind, e.g. {@code dfpat_}. */
    String prefix();

    /** The value of {@code forge_token_kind}: {@code pat}, {@code api_key}, {@code session}, {@code refresh_token}. */
    String kindName();

    /** Offline check of the token's own format (length, alphabet, checksum): no lookup for junk. */
    boolean wellFormed(String token);

    /** Finds the token by its lookup hash in PostgreSQL; empty when unknown. */
    Uni<Optional<TokenInfo>> findByHash(String lookupHash);

    /** Called when an active token of this kind was introspected (for last-used bookkeeping). */
    default void used(TokenInfo token, String address) {
    }
}
