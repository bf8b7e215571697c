package dev.forgeauth.auth.admin;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.error.OAuthErrors;
import dev.forgeauth.core.error.OAuthException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Set;

/**
 * Client ids that belong to Forge Auth itself, as configured: the first-party login's
 * ({@code forge.login.client-id}, never a registered client) and the first-party clients
 * ({@code forge.login.first-party-clients}, the forge CLI), whose user tokens may manage the user's
 * account at {@code /auth/*}. The admin API refuses the login id outright, and lets a first-party id
 * exist only as what it is: a public device-flow client without redirect URIs, so that its privilege
 * can never be phished through a consent page or a redirect.
 */
@ApplicationScoped
public class ReservedClients {

    static final Set<String> FIRST_PARTY_GRANTS = Set.of(ClientMetadata.DEVICE_CODE, "refresh_token");

    private final ForgeConfig config;

    public ReservedClients(ForgeConfig config) {
        this.config = config;
    }

    /** 400 for the login client's id: it is no registered client and can be neither changed nor deleted. */
    public void refuseLoginClient(String clientId) {
        if (config.login().clientId().equals(clientId)) {
            throw invalid("client_id " + clientId + " is reserved for the first-party login");
        }
    }

    /** Answers {@code m} when it may be registered (created or changed to) under its client id. */
    public ClientMetadata checkRegistration(ClientMetadata m) {
        if (m.clientId() == null) {
            return m;
        }
        refuseLoginClient(m.clientId());
        List<String> firstParty = config.login().firstPartyClients();
        if (firstParty.contains(m.clientId())) {
            if (!Client.AUTH_NONE.equals(m.tokenEndpointAuthMethod()) || !m.redirectUris().isEmpty()
                    || !FIRST_PARTY_GRANTS.containsAll(m.grantTypes())) {
                throw invalid("client_id " + m.clientId() + " is reserved for a first-party client: it must be public "
                        + "(token_endpoint_auth_method none), without redirect_uris, with grant_types from "
                        + FIRST_PARTY_GRANTS);
            }
        }
        return m;
    }

    private static OAuthException invalid(String description) {
        return new OAuthException(OAuthErrors.INVALID_CLIENT_METADATA, description, 400);
    }
}
