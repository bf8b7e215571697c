package dev.forgeauth.auth.token;

import dev.forgeauth.auth.client.Client;
import io.smallrye.mutiny.Uni;

/**
 * One grant type of the token endpoint. Each is its own bean; {@link TokenResource} picks the
 * handler by {@link #grantType()}, and a grant without a handler is {@code unsupported_grant_type}.
 */
public interface GrantHandler {

    String grantType();

    /** @param client the authenticated client, already known to be allowed this grant */
    Uni<TokenResponse> handle(TokenRequest request, Client client);
}
