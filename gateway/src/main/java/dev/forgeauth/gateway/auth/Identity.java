package dev.forgeauth.gateway.auth;

import java.util.Set;

/** Who a request comes from, as the upstream learns it through the X-Auth-* headers. */
public record Identity(String subject, String clientId, Set<String> scopes, String scope, String tokenType) {

    /** The key rate limits are counted under: the subject, else the client. */
    public String rateKey() {
        return subject != null ? "sub:" + subject : "client:" + clientId;
    }
}
