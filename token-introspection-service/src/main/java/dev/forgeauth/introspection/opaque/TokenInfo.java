package dev.forgeauth.introspection.opaque;

import io.vertx.core.json.JsonObject;

/**
 * What introspection needs to know about a stored opaque token. {@code tokenId} is the id under which a
 * revocation of it is published (its lookup hash).
 */
public record TokenInfo(String tokenId, String kind, String subject, String clientId, String scope, long issuedAt,
        long expiresAt) {

    JsonObject toJson() {
        return new JsonObject().put("id", tokenId).put("kind", kind).put("sub", subject).put("client_id", clientId)
                .put("scope", scope).put("iat", issuedAt).put("exp", expiresAt);
    }

    static TokenInfo fromJson(JsonObject j) {
        return new TokenInfo(j.getString("id"), j.getString("kind"), j.getString("sub"), j.getString("client_id"),
                j.getString("scope"), j.getLong("iat"), j.getLong("exp"));
    }
}
