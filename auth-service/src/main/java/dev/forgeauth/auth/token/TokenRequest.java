package dev.forgeauth.auth.token;

import java.util.Map;
import java.util.Optional;

/**
 * A parsed token request: each parameter at most once (RFC 6749 §3.2), credentials already taken out.
 *
 * @param grantType the {@code grant_type}
 * @param parameters every other body parameter, single-valued
 * @param remoteAddress the caller's address, for rate limits
 */
public record TokenRequest(String grantType, Map<String, String> parameters, String remoteAddress) {

    public Optional<String> param(String name) {
        return Optional.ofNullable(parameters.get(name));
    }
}
