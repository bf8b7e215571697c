package dev.forgeauth.cli.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stored login of a profile as a bearer token: loaded, checked against the server in use and
 * refreshed when the access token has less than {@link #REFRESH_MARGIN_SECONDS} left (under a file lock,
 * so that two forge processes never spend the same refresh token).
 */
public final class Logins {

    /** Refresh when the access token has less than this left. */
    public static final long REFRESH_MARGIN_SECONDS = 60;
    /** Overrides the stored login for a single command (e.g. a PAT for {@code forge api}). */
    public static final String TOKEN_ENV = "FORGE_TOKEN";

    private Logins() {
    }

    /** FORGE_TOKEN, or the stored login's access token (refreshed when near expiry). */
    public static String bearer(Ctx ctx) {
        String env = System.getenv(TOKEN_ENV);
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        return current(ctx).accessToken();
    }

    /** Whether FORGE_TOKEN stands in for the stored login. */
    public static boolean fromEnvironment() {
        String env = System.getenv(TOKEN_ENV);
        return env != null && !env.isBlank();
    }

    /** The stored login, fresh; exit 3 when there is none or it has ended. */
    public static Profile current(Ctx ctx) {
        Profile p = require(ctx, ctx.profile());
        if (!needsRefresh(p, Ctx.now())) {
            return p;
        }
        Profile refreshed = ctx.store().locked(ctx.store().profileFile(ctx.profileName()), () -> {
            Profile again = require(ctx, ctx.readProfile()); // another process may have refreshed it
            if (!needsRefresh(again, Ctx.now())) {
                return again;
            }
            Profile r = refresh(ctx, again);
            ctx.saveProfile(r);
            return r;
        });
        return refreshed;
    }

    static boolean needsRefresh(Profile p, long now) {
        return p.expiresAt() - now < REFRESH_MARGIN_SECONDS;
    }

    private static Profile require(Ctx ctx, Profile p) {
        if (p == null || !p.signedIn()) {
            throw CliException.auth("not logged in to " + ctx.server() + ": run 'forge login" + serverArg(ctx)
                    + ctx.profileSuffix() + "'");
        }
        if (ctx.explicitServer() != null && !ctx.explicitServer().equals(p.server())) {
            throw CliException.auth("profile '" + ctx.profileName() + "' is logged in to " + p.server() + ", not "
                    + ctx.explicitServer() + ": run 'forge login --server " + ctx.explicitServer() + "' (use --profile "
                    + "to keep both)");
        }
        return p;
    }

    private static String serverArg(Ctx ctx) {
        return Ctx.DEFAULT_SERVER.equals(ctx.server()) ? "" : " --server " + ctx.server();
    }

    /** A new token pair for the stored one; exit 3 when the server refuses the refresh token. */
    static Profile refresh(Ctx ctx, Profile p) {
        long now = Ctx.now();
        if (p.refreshToken() == null) {
            if (p.expiresAt() > now) {
                return p; // nothing to refresh with, but still valid for a moment
            }
            throw CliException.auth("the login has expired: run 'forge login" + serverArg(ctx) + ctx.profileSuffix() + "'");
        }
        Http http = ctx.http(p.server());
        Http.Response r;
        if (Profile.PASSWORD.equals(p.kind())) {
            ObjectNode body = Json.object().put("refresh_token", p.refreshToken());
            r = http.postJson("/auth/refresh", null, body);
        } else {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("grant_type", "refresh_token");
            form.put("refresh_token", p.refreshToken());
            form.put("client_id", p.clientId());
            r = http.postForm("/oauth/token", null, form);
        }
        if (!r.ok()) {
            if (r.status() == 400 || r.status() == 401) {
                CliException f = r.failure();
                throw CliException.auth("the login has ended (" + f.getMessage() + "): run 'forge login"
                        + serverArg(ctx) + ctx.profileSuffix() + "'");
            }
            throw r.failure();
        }
        return withAnswer(p, r.json(), now);
    }

    /** The profile with the tokens of a token-endpoint answer. */
    public static Profile withAnswer(Profile p, JsonNode answer, long now) {
        String access = Json.text(answer, "access_token");
        if (access == null) {
            throw CliException.error("the server's answer holds no access_token");
        }
        return p.withTokens(access, Json.text(answer, "refresh_token"), Json.text(answer, "scope"),
                expiresAt(access, answer, now), now);
    }

    /**
     * now + {@code expires_in} (relative, so a skewed local clock does not matter), else the access
     * token's {@code exp}, else an hour.
     */
    public static long expiresAt(String accessToken, JsonNode answer, long now) {
        long in = Json.number(answer, "expires_in", -1);
        if (in >= 0) {
            return now + in;
        }
        Jwt.Decoded d = Jwt.decode(accessToken);
        if (d != null && d.claims().has("exp") && d.claims().get("exp").isNumber()) {
            return d.claims().get("exp").asLong();
        }
        return now + 3600;
    }
}
