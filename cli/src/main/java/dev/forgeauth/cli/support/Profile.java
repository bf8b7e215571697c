package dev.forgeauth.cli.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One profile's file: the server it talks to and, once signed in, the stored login (token pair).
 *
 * @param kind {@code device} (device authorization flow, refreshed at {@code /oauth/token}) or
 *     {@code password} ({@code POST /auth/login}, refreshed at {@code /auth/refresh})
 * @param clientId the OAuth client of a device login; {@code forge-login} (the server's first-party login
 *     client) for a password login
 * @param expiresAt the access token's expiry, epoch seconds
 */
public record Profile(String server, String kind, String clientId, String accessToken, String refreshToken,
        String scope, long expiresAt, long obtainedAt, String subject, String email) {

    public static final String DEVICE = "device";
    public static final String PASSWORD = "password";

    public boolean signedIn() {
        return accessToken != null;
    }

    public Profile withTokens(String access, String refresh, String newScope, long expires, long obtained) {
        return new Profile(server, kind, clientId, access, refresh == null ? refreshToken : refresh,
                newScope == null ? scope : newScope, expires, obtained, subject, email);
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("server", server);
        if (signedIn()) {
            ObjectNode l = o.putObject("login");
            l.put("kind", kind);
            l.put("client_id", clientId);
            l.put("access_token", accessToken);
            if (refreshToken != null) {
                l.put("refresh_token", refreshToken);
            }
            if (scope != null) {
                l.put("scope", scope);
            }
            l.put("expires_at", expiresAt);
            l.put("obtained_at", obtainedAt);
            if (subject != null) {
                l.put("subject", subject);
            }
            if (email != null) {
                l.put("email", email);
            }
        }
        return o;
    }

    public static Profile fromJson(JsonNode o) {
        JsonNode l = o.get("login");
        if (l == null || !l.isObject()) {
            return new Profile(Json.text(o, "server"), null, null, null, null, null, 0, 0, null, null);
        }
        return new Profile(Json.text(o, "server"), Json.text(l, "kind"), Json.text(l, "client_id"),
                Json.text(l, "access_token"), Json.text(l, "refresh_token"), Json.text(l, "scope"),
                Json.number(l, "expires_at", 0), Json.number(l, "obtained_at", 0), Json.text(l, "subject"),
                Json.text(l, "email"));
    }
}
