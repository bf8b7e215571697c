package dev.forgeauth.cli.commands;

import dev.forgeauth.cli.support.CliException;
import dev.forgeauth.cli.support.Ctx;
import dev.forgeauth.cli.support.Http;
import dev.forgeauth.cli.support.Json;
import dev.forgeauth.cli.support.Output;
import dev.forgeauth.cli.support.Profile;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "logout", mixinStandardHelpOptions = true,
        header = "Revoke the stored login at the server and delete it.",
        description = {
            "A password login is ended with POST /auth/logout (the session and all its tokens). A device login's "
                + "access and refresh tokens are revoked at POST /oauth/revoke (RFC 7009) as its client. The "
                + "profile file is deleted either way; when the server cannot be reached, forge says so and "
                + "exits with 1 (the tokens then stay valid until they expire).",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  forge logout",
            "  forge logout --profile prod",
        })
public class LogoutCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Ctx ctx = Commands.ctx(spec);
        Profile p = ctx.profile();
        if (p == null || !p.signedIn()) {
            ctx.deleteProfile();
            Output.note("Not logged in (profile " + ctx.profileName() + ").");
            return 0;
        }
        String problem = revoke(ctx, p);
        ctx.deleteProfile();
        if (problem != null) {
            throw CliException.error("logged out locally, but the server did not revoke the tokens: " + problem);
        }
        Output.note("Logged out of " + p.server() + " (profile " + ctx.profileName() + ").");
        return 0;
    }

    /** Revokes a stored login at its server; null when done, else what went wrong. */
    static String revoke(Ctx ctx, Profile p) {
        try {
            Http http = ctx.http(p.server());
            if (Profile.PASSWORD.equals(p.kind())) {
                Http.Response r = http.send("POST", "/auth/logout", Http.headers(Http.bearer(p.accessToken())), null);
                if (r.status() == 401 && p.refreshToken() != null) {
                    // the access token expired: a fresh one from the refresh token ends the same session
                    Http.Response refreshed = http.postJson("/auth/refresh", null,
                            Json.object().put("refresh_token", p.refreshToken()));
                    if (!refreshed.ok()) {
                        return null; // the session has ended already
                    }
                    r = http.send("POST", "/auth/logout", Http.headers(Http.bearer(Json.text(refreshed.json(), "access_token"))), null);
                }
                return r.ok() || r.status() == 401 ? null : r.failure().getMessage();
            }
            for (String[] t : new String[][] {{p.accessToken(), "access_token"}, {p.refreshToken(), "refresh_token"}}) {
                if (t[0] == null) {
                    continue;
                }
                Map<String, String> form = new LinkedHashMap<>();
                form.put("token", t[0]);
                form.put("token_type_hint", t[1]);
                form.put("client_id", p.clientId());
                Http.Response r = http.postForm("/oauth/revoke", null, form);
                if (!r.ok()) {
                    return r.failure().getMessage();
                }
            }
            return null;
        } catch (CliException e) {
            return e.getMessage();
        }
    }
}
