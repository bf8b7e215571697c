package dev.forgeauth.auth.revocation;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.pat.PersonalTokenService;
import dev.forgeauth.core.token.OpaqueTokens;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * PATs and API keys at the revocation endpoint. Any authenticated client that presents the full value
 * may revoke it: holding a leaked credential is proof enough, and revoking one can only make things safer
 * (as secret-scanning partners do for leaked tokens).
 */
@ApplicationScoped
public class PersonalTokenRevoker implements TokenRevoker {

    private final PersonalTokenService service;

    public PersonalTokenRevoker(PersonalTokenService service) {
        this.service = service;
    }

    @Override
    public boolean recognises(String token) {
        return token.startsWith(OpaqueTokens.PAT) || token.startsWith(OpaqueTokens.API_KEY);
    }

    @Override
    public Uni<Void> revoke(String token, Client caller) {
        if (!OpaqueTokens.isValid(token, OpaqueTokens.PAT) && !OpaqueTokens.isValid(token, OpaqueTokens.API_KEY)) {
            return Uni.createFrom().voidItem();
        }
        return service.revokeByValue(token).replaceWithVoid();
    }
}
