package dev.forgeauth.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeauth.cli.support.CliException;
import dev.forgeauth.cli.support.Ctx;
import dev.forgeauth.cli.support.Json;
import dev.forgeauth.cli.support.Output;
import dev.forgeauth.cli.support.Profile;
import dev.forgeauth.cli.support.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        header = "Show the profile's stored login (no network; tokens are not printed).",
        description = "Exit code 3 when the profile is not logged in.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  forge status",
            "  forge status --profile prod -o json",
        })
public class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Ctx ctx = Commands.ctx(spec);
        Profile p = ctx.profile();
        if (p == null || !p.signedIn()) {
            throw CliException.auth("not logged in (profile " + ctx.profileName() + ", " + ctx.server()
                    + "): run 'forge login'");
        }
        long now = Ctx.now();
        if (ctx.json()) {
            ObjectNode o = Json.object();
            o.put("profile", ctx.profileName());
            o.put("config_file", ctx.store().profileFile(ctx.profileName()).toString());
            o.put("server", p.server());
            o.put("kind", p.kind());
            o.put("client_id", p.clientId());
            o.put("subject", p.subject());
            if (p.email() != null) {
                o.put("email", p.email());
            }
            o.put("scope", p.scope());
            o.put("expires_at", p.expiresAt());
            o.put("refresh_token", p.refreshToken() != null);
            Output.json(o);
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"profile", ctx.profileName() + "  (" + ctx.store().profileFile(ctx.profileName()) + ")"});
        rows.add(new String[] {"server", p.server()});
        rows.add(new String[] {"login", Profile.DEVICE.equals(p.kind()) ? "device flow, client " + p.clientId()
                : "password (" + p.clientId() + ")"});
        rows.add(new String[] {"user", p.email() != null ? p.email() + "  (" + p.subject() + ")" : p.subject()});
        rows.add(new String[] {"scopes", p.scope()});
        rows.add(new String[] {"access token", "expires " + Text.time(p.expiresAt()) + " (" + Text.relative(p.expiresAt(), now)
                + ")"});
        rows.add(new String[] {"refresh token", p.refreshToken() != null ? "stored (refreshed automatically)" : "none"});
        Output.fields(rows);
        return 0;
    }
}
