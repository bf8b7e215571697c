package dev.forgeauth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeauth.cli.support.CliException;
import dev.forgeauth.cli.support.Ctx;
import dev.forgeauth.cli.support.Http;
import dev.forgeauth.cli.support.Logins;
import dev.forgeauth.cli.support.Output;
import dev.forgeauth.cli.support.Profile;
import dev.forgeauth.cli.support.Text;
import java.util.ArrayList;
import java.util.List;

/**
 * Calls to the signed-in user's endpoints ({@code /auth/tokens}, {@code /auth/api-keys},
 * {@code /auth/sessions}) with the stored login. The server accepts only its own login tokens there
 * (client {@code forge-login}, from {@code forge login --password}); a device-flow token is refused
 * with 401, which forge explains.
 */
final class UserApi {

    private UserApi() {
    }

    static Http.Response get(Ctx ctx, String path) {
        return check(ctx, ctx.http().get(path, Http.bearer(Logins.bearer(ctx))));
    }

    static Http.Response post(Ctx ctx, String path, JsonNode body) {
        return check(ctx, ctx.http().postJson(path, Http.bearer(Logins.bearer(ctx)), body));
    }

    static Http.Response delete(Ctx ctx, String path) {
        return check(ctx, ctx.http().delete(path, Http.bearer(Logins.bearer(ctx))));
    }

    private static Http.Response check(Ctx ctx, Http.Response r) {
        if (r.ok()) {
            return r;
        }
        CliException f = r.failure();
        Profile p = Logins.fromEnvironment() ? null : ctx.profile();
        if (r.status() == 401 && p != null && Profile.DEVICE.equals(p.kind())) {
            throw CliException.auth(f.getMessage() + ": the server manages PATs, API keys and sessions only for "
                    + "its own logins, not for device-flow tokens; run 'forge login --password'"
                    + ctx.profileSuffix() + " (or use another --profile)");
        }
        throw f;
    }

    /** A created credential: the value once, with a warning; -q prints only the value. */
    static void printCreated(Ctx ctx, JsonNode created, String valueField, String what, boolean quiet) {
        String value = created.path(valueField).asText(null);
        if (quiet) {
            Output.line(value == null ? "" : value);
            return;
        }
        if (ctx.json()) {
            Output.json(created);
        } else {
            Output.fields(Output.fieldsOf(created).stream()
                    .map(f -> new String[] {f[0], f[0].endsWith("_at") ? Text.time(f[1]) : f[1]}).toList());
        }
        if (value != null) {
            Output.note("Copy the " + what + " now: it is shown only this once.");
        }
    }

    /** PATs or API keys as a table (or JSON). */
    static void printCredentials(Ctx ctx, JsonNode list) {
        if (ctx.json()) {
            Output.json(list);
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode t : list) {
            rows.add(List.of(t.path("id").asText(""), t.path("name").asText(""), Output.value(t.get("scopes")),
                    Text.time(t.path("created_at").asText("")), expires(t), Text.time(t.path("last_used_at").asText(""))
                            + (t.hasNonNull("last_used_ip") ? " " + t.get("last_used_ip").asText() : ""),
                    t.hasNonNull("replaced_by") ? "rotated to " + t.get("replaced_by").asText() : ""));
        }
        Output.table(List.of("ID", "NAME", "SCOPES", "CREATED", "EXPIRES", "LAST USED", "NOTE"), rows);
    }

    private static String expires(JsonNode t) {
        String e = Text.time(t.path("expires_at").asText(""));
        return e.isEmpty() ? "never" : e;
    }

    /** Scopes from repeated --scope options, each possibly space-separated. */
    static List<String> scopes(List<String> options) {
        List<String> out = new ArrayList<>();
        if (options != null) {
            for (String o : options) {
                for (String s : o.trim().split("\\s+")) {
                    if (!s.isEmpty() && !out.contains(s)) {
                        out.add(s);
                    }
                }
            }
        }
        return out;
    }
}
