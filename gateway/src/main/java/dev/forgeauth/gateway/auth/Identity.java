package dev.forgeauth.gateway.auth;

import java.util.Set;

/**
 * Who a request comes from, as the upstream learns it through the X-Auth-* headers.
 *
 * @param rateKey the key rate limits are counted under: the subject, else the client (computed once)
 */
public record Identity(String subject, String clientId, Set<String> scopes, String scope, String tokenType,
        String rateKey) {

    /** The token type of a browser session (the df_session cookie). */
    public static final String SESSION = "session";

    public static Identity of(String subject, String clientId, Set<String> scopes, String scope, String tokenType) {
        return new Identity(subject, clientId, scopes, scope, tokenType,
                subject != null ? "sub:" + subject : "client:" + clientId);
    }
}
