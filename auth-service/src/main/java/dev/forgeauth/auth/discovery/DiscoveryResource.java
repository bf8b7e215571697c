package dev.forgeauth.auth.discovery;

import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.config.FrontDoor;
import dev.forgeauth.auth.keys.SigningKeys;
import dev.forgeauth.auth.token.GrantHandler;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Server metadata. Lists only what this build actually serves: the grant types come from the
 * registered grant handlers, so a new grant shows up here by existing.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8414#section-2">RFC 8414 §2</a>
 * @see <a href="https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata">OIDC Discovery §3</a>
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class DiscoveryResource {

    private final Map<String, Object> metadata;
    private final SigningKeys keys;

    public DiscoveryResource(ForgeConfig config, Instance<GrantHandler> grants, SigningKeys keys,
            FrontDoor frontDoor) {
        this.keys = keys;
        String issuer = frontDoor.base();
        List<String> grantTypes = new ArrayList<>();
        grants.forEach(g -> grantTypes.add(g.grantType()));
        grantTypes.sort(null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer", issuer);
        m.put("authorization_endpoint", issuer + "/oauth/authorize");
        m.put("token_endpoint", issuer + "/oauth/token");
        m.put("jwks_uri", issuer + "/oauth/jwks");
        m.put("userinfo_endpoint", issuer + "/oauth/userinfo");
        m.put("device_authorization_endpoint", issuer + "/oauth/device_authorization");
        m.put("grant_types_supported", grantTypes);
        m.put("response_types_supported", List.of("code"));
        m.put("response_modes_supported", List.of("query"));
        m.put("code_challenge_methods_supported", List.of("S256"));
        m.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "none"));
        m.put("scopes_supported", List.of("openid", "email", "admin", "introspect", "deployment:read",
                "deployment:write", "infrastructure:read", "infrastructure:write"));
        m.put("subject_types_supported", List.of("public"));
        m.put("id_token_signing_alg_values_supported", List.of(config.keys().algorithm()));
        m.put("claims_supported", List.of("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "amr", "sid",
                "azp", "email", "email_verified"));
        m.put("authorization_response_iss_parameter_supported", true);
        m.put("revocation_endpoint", issuer + "/oauth/revoke");
        m.put("revocation_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
        // served by the token-introspection-service; the gateway routes it on the issuer's origin
        m.put("introspection_endpoint", issuer + "/oauth/introspect");
        m.put("introspection_endpoint_auth_methods_supported", List.of("client_secret_basic", "bearer"));
        this.metadata = java.util.Collections.unmodifiableMap(m);
    }

    @GET
    @Path(".well-known/oauth-authorization-server")
    public Response authorizationServer() {
        return Response.ok(metadata).header("Cache-Control", "public, max-age=300").build();
    }

    @GET
    @Path(".well-known/openid-configuration")
    public Response openidConfiguration() {
        return Response.ok(metadata).header("Cache-Control", "public, max-age=300").build();
    }

    /** The published keys: next, active and retired-but-still-valid. */
    @GET
    @Path("oauth/jwks")
    @Produces({"application/jwk-set+json", MediaType.APPLICATION_JSON})
    public Response jwks() {
        return Response.ok(keys.snapshot().jwksJson())
                .type("application/jwk-set+json")
                .header("Cache-Control", "public, max-age=60")
                .build();
    }
}
