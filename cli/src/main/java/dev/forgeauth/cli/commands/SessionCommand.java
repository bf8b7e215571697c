package dev.forgeauth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeauth.cli.support.Ctx;
import dev.forgeauth.cli.support.Http;
import dev.forgeauth.cli.support.Json;
import dev.forgeauth.cli.support.Jwt;
import dev.forgeauth.cli.support.Logins;
import dev.forgeauth.cli.support.Output;
import dev.forgeauth.cli.support.Profile;
import dev.forgeauth.cli.support.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "session", mixinStandardHelpOptions = true,
        header = "List and end your signed-in sessions (browsers, logins, apps you approved).",
        description = "Needs a password login (forge login --password).",
        subcommands = {SessionCommand.ListCmd.class, SessionCommand.End.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  forge session list",
            "  forge session end 3d0c…      # its tokens stop working within a second",
        })
public class SessionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw Commands.missingSubcommand(spec);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, header = "List your live sessions; * marks this one.",
            footerHeading = "%nExamples:%n", footer = {"  forge session list", "  forge session list -o json"})
    public static class ListCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            JsonNode list = UserApi.get(ctx, "/auth/sessions").json();
            if (ctx.json()) {
                Output.json(list);
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode s : list) {
                rows.add(List.of(s.path("current").asBoolean() ? "*" : "", s.path("id").asText(""),
                        Text.time(s.path("created_at").asText("")), Text.time(s.path("last_seen_at").asText("")),
                        Text.time(s.path("expires_at").asText("")), s.path("ip").asText(""),
                        s.path("user_agent").asText("")));
            }
            Output.table(List.of("", "ID", "CREATED", "LAST SEEN", "EXPIRES", "IP", "USER AGENT"), rows);
            return 0;
        }
    }

    @Command(name = "end", mixinStandardHelpOptions = true,
            header = "End sessions: their refresh and access tokens stop working within a second.",
            description = "Ending the session of this profile's login logs this profile out too.",
            footerHeading = "%nExamples:%n", footer = {"  forge session end 3d0c5b1e-…"})
    public static class End implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "ID", description = "The session's id (from 'forge session list').")
        List<String> ids;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            for (String id : ids) {
                String own = ownSession(ctx);
                UserApi.delete(ctx, "/auth/sessions/" + Http.segment(id));
                if (id.equalsIgnoreCase(own)) {
                    ctx.deleteProfile();
                    Output.note("Ended session " + id + ": that was this profile's login, so you are logged out.");
                    return 0;
                }
                Output.note("Ended session " + id + ".");
            }
            return 0;
        }

        private static String ownSession(Ctx ctx) {
            if (Logins.fromEnvironment()) {
                return null;
            }
            Profile p = Logins.current(ctx);
            Jwt.Decoded d = Jwt.decode(p.accessToken());
            return d == null ? null : Json.text(d.claims(), "sid");
        }
    }
}
