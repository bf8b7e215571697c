package dev.forgeauth.auth.client;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A registered OAuth client, as the request path sees it (the secret only as its hash).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7591#section-2">RFC 7591 §2</a>
 */
public record Client(String clientId, String clientName, String secretHash, String tokenEndpointAuthMethod,
        List<String> grantTypes, List<String> redirectUris, Set<String> scopes, String scope, int accessTokenTtl,
        Instant issuedAt) {

    public static final String AUTH_NONE = "none";
    public static final String AUTH_BASIC = "client_secret_basic";
    public static final String AUTH_POST = "client_secret_post";

    public boolean isPublic() {
        return AUTH_NONE.equals(tokenEndpointAuthMethod);
    }

    public boolean allowsGrant(String grantType) {
        return grantTypes.contains(grantType);
    }
}
