package dev.forgeauth.auth.authorize;

import io.vertx.core.json.JsonObject;

/**
 * A validated authorization request waiting for the user (login, second factor, consent): sealed into the
 * sign-in form until someone submits it, then kept server side under a random id (see {@link PendingStore});
 * the pages carry that id and a CSRF token. {@code redirectUriSent}
 * says whether the request named its {@code redirect_uri} (then the token request must repeat it,
 * RFC 6749 §4.1.3) or left it to the client's only registered one.
 */
public record PendingAuthorization(String id, String csrf, String clientId, String redirectUri, String scope,
        String state, String codeChallenge, String nonce, String userId, String amr, long authTime,
        boolean redirectUriSent) {

    public PendingAuthorization(String id, String csrf, String clientId, String redirectUri, String scope,
            String state, String codeChallenge, String nonce, String userId, String amr, long authTime) {
        this(id, csrf, clientId, redirectUri, scope, state, codeChallenge, nonce, userId, amr, authTime, true);
    }

    JsonObject toJson() {
        return new JsonObject().put("id", id).put("csrf", csrf).put("client_id", clientId).put("redirect_uri", redirectUri)
                .put("scope", scope).put("state", state).put("code_challenge", codeChallenge).put("nonce", nonce)
                .put("user_id", userId).put("amr", amr).put("auth_time", authTime)
                .put("redirect_uri_sent", redirectUriSent);
    }

    static PendingAuthorization fromJson(JsonObject j) {
        return new PendingAuthorization(j.getString("id"), j.getString("csrf"), j.getString("client_id"),
                j.getString("redirect_uri"), j.getString("scope"), j.getString("state"), j.getString("code_challenge"),
                j.getString("nonce"), j.getString("user_id"), j.getString("amr"), j.getLong("auth_time", 0L),
                j.getBoolean("redirect_uri_sent", true));
    }

    /** The same request under another id (sealed, or stored in Redis). */
    public PendingAuthorization withId(String newId) {
        return new PendingAuthorization(newId, csrf, clientId, redirectUri, scope, state, codeChallenge, nonce, userId, amr,
                authTime, redirectUriSent);
    }

    public PendingAuthorization withUser(String user, String methods, long at) {
        return new PendingAuthorization(id, csrf, clientId, redirectUri, scope, state, codeChallenge, nonce, user, methods, at,
                redirectUriSent);
    }
}
