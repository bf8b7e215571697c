package dev.forgeauth.cli.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Reads a JWT's header and claims without verifying it (for display and for the expiry the CLI stores;
 * the servers verify signatures).
 */
public final class Jwt {

    public record Decoded(JsonNode header, JsonNode claims) {
    }

    private Jwt() {
    }

    public static boolean looksLikeJwt(String token) {
        return token != null && token.matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    }

    /** The decoded parts, or null when the token is not a JWT with JSON header and claims. */
    public static Decoded decode(String token) {
        if (!looksLikeJwt(token)) {
            return null;
        }
        String[] parts = token.split("\\.", -1);
        JsonNode header = part(parts[0]);
        JsonNode claims = part(parts[1]);
        if (header == null || claims == null || !header.isObject() || !claims.isObject()) {
            return null;
        }
        return new Decoded(header, claims);
    }

    private static JsonNode part(String b64) {
        try {
            return Json.parse(new String(Base64.getUrlDecoder().decode(b64), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** What an opaque Forge credential is, from its prefix (the contract's formats). */
    public static String opaqueKind(String token) {
        if (token == null) {
            return null;
        }
        if (token.startsWith("dfpat_")) {
            return "personal access token";
        }
        if (token.startsWith("sk_live_")) {
            return "API key";
        }
        if (token.startsWith("df_rt_")) {
            return "refresh token";
        }
        if (token.startsWith("dfs_")) {
            return "session";
        }
        return null;
    }
}
