package dev.forgeauth.auth.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.forgeauth.auth.client.Client;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * A client as the admin API shows it (RFC 7591 §3.2.1 field names). {@code client_secret} is set only
 * in the answer that creates or rotates it.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClientView(
        @JsonProperty("client_id") String clientId,
        @JsonProperty("client_id_issued_at") long clientIdIssuedAt,
        @JsonProperty("client_secret") String clientSecret,
        @JsonProperty("client_secret_expires_at") Integer clientSecretExpiresAt,
        @JsonProperty("client_name") String clientName,
        @JsonProperty("grant_types") List<String> grantTypes,
        @JsonProperty("redirect_uris") List<String> redirectUris,
        @JsonProperty("scope") String scope,
        @JsonProperty("token_endpoint_auth_method") String tokenEndpointAuthMethod,
        @JsonProperty("access_token_ttl") int accessTokenTtl) {

    public static ClientView of(Client c, String secret) {
        return new ClientView(c.clientId(), c.issuedAt().getEpochSecond(), secret, secret == null ? null : 0,
                c.clientName(), c.grantTypes(), c.redirectUris(), c.scope(), c.tokenEndpointAuthMethod(),
                c.accessTokenTtl());
    }
}
