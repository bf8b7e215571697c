package dev.forgeauth.cli.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeauth.cli.support.Ctx;
import dev.forgeauth.cli.support.Http;
import dev.forgeauth.cli.support.Json;
import dev.forgeauth.cli.support.Output;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "pat", mixinStandardHelpOptions = true,
        header = "Manage your personal access tokens (dfpat_…).",
        description = {
            "PATs carry a subset of your scopes and live at most 90 days. They are managed with a password login "
                + "(forge login --password): the server does not let a PAT, an API key or a device-flow token "
                + "create or delete credentials.",
        },
        subcommands = {PatCommand.Create.class, PatCommand.ListCmd.class, PatCommand.Delete.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  forge pat create --name laptop --scope deployment:read --expires-in-days 30",
            "  PAT=$(forge pat create --name ci --scope deployment:read -q)",
            "  forge pat list",
            "  forge pat delete 6f1c…",
        })
public class PatCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw Commands.missingSubcommand(spec);
    }

    @Command(name = "create", mixinStandardHelpOptions = true, header = "Create a PAT; its value is shown once.",
            footerHeading = "%nExamples:%n",
            footer = {
                "  forge pat create --name laptop --scope deployment:read",
                "  forge pat create --name ci --scope \"deployment:read deployment:write\" --expires-in-days 7 -q",
            })
    public static class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "What it is for (shown in lists).")
        String name;

        @Option(names = "--scope", paramLabel = "SCOPE",
                description = "A scope (repeatable, or space-separated); a subset of yours. Default: all of yours.")
        List<String> scopes;

        @Option(names = "--expires-in-days", paramLabel = "DAYS", description = "1 to 90. Default: the server's (30).")
        Integer days;

        @Option(names = {"-q", "--quiet"}, description = "Print only the token.")
        boolean quiet;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            ObjectNode body = Json.object().put("name", name);
            List<String> s = UserApi.scopes(scopes);
            if (!s.isEmpty()) {
                ArrayNode a = body.putArray("scopes");
                s.forEach(a::add);
            }
            if (days != null) {
                body.put("expires_in_days", days);
            }
            UserApi.printCreated(ctx, UserApi.post(ctx, "/auth/tokens", body).json(), "token", "token", quiet);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, header = "List your PATs (never their values).",
            footerHeading = "%nExamples:%n", footer = {"  forge pat list", "  forge pat list -o json"})
    public static class ListCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            UserApi.printCredentials(ctx, UserApi.get(ctx, "/auth/tokens").json());
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            header = "Delete PATs: they stop working everywhere within a second.",
            footerHeading = "%nExamples:%n", footer = {"  forge pat delete 6f1c2a9e-…", "  forge pat delete ID1 ID2"})
    public static class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "ID", description = "The PAT's id (from 'forge pat list').")
        List<String> ids;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            for (String id : ids) {
                UserApi.delete(ctx, "/auth/tokens/" + Http.segment(id));
                Output.note("Deleted PAT " + id + ".");
            }
            return 0;
        }
    }
}
