package dev.forgeauth.auth.revocation;

import dev.forgeauth.auth.client.Client;
import io.smallrye.mutiny.Uni;

/**
 * One token kind at the revocation endpoint. Each kind (JWT access tokens now; refresh tokens, PATs,
 * API keys and sessions as they arrive) is its own bean; the endpoint asks each whether it recognises
 * the token, so a new kind plugs in by existing.
 */
public interface TokenRevoker {

    /** Whether the string has this kind's shape (prefix, format); cheap, no lookup. */
    boolean recognises(String token);

    /**
     * Revokes the token if it is valid and the caller may revoke it. Unknown or invalid tokens complete
     * normally (RFC 7009 §2.2: the answer is 200 either way).
     */
    Uni<Void> revoke(String token, Client caller);
}
