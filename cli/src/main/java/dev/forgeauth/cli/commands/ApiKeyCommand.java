package dev.forgeauth.cli.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeauth.cli.support.Ctx;
import dev.forgeauth.cli.support.Http;
import dev.forgeauth.cli.support.Json;
import dev.forgeauth.cli.support.Output;
import dev.forgeauth.cli.support.Text;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "apikey", mixinStandardHelpOptions = true,
        header = "Manage your API keys (sk_live_…).",
        description = {
            "API keys carry a subset of your scopes and may live without an expiry; rotating one keeps the old "
                + "key working for a grace period (7 days unless said). Managed with a password login "
                + "(forge login --password).",
        },
        subcommands = {ApiKeyCommand.Create.class, ApiKeyCommand.ListCmd.class, ApiKeyCommand.Rotate.class,
            ApiKeyCommand.Delete.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  forge apikey create --name billing-sync --scope deployment:read",
            "  forge apikey list",
            "  forge apikey rotate 0b7e… --grace-period 1h",
            "  forge apikey delete 0b7e…",
        })
public class ApiKeyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw Commands.missingSubcommand(spec);
    }

    @Command(name = "create", mixinStandardHelpOptions = true, header = "Create an API key; its value is shown once.",
            footerHeading = "%nExamples:%n",
            footer = {
                "  forge apikey create --name billing-sync --scope deployment:read",
                "  KEY=$(forge apikey create --name ci --scope deployment:read -q)",
            })
    public static class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "What it is for.")
        String name;

        @Option(names = "--scope", paramLabel = "SCOPE",
                description = "A scope (repeatable, or space-separated); a subset of yours. Default: all of yours.")
        List<String> scopes;

        @Option(names = "--expires-in-days", paramLabel = "DAYS", description = "Default: no expiry.")
        Integer days;

        @Option(names = {"-q", "--quiet"}, description = "Print only the key.")
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
            UserApi.printCreated(ctx, UserApi.post(ctx, "/auth/api-keys", body).json(), "key", "API key", quiet);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, header = "List your API keys (never their values).",
            footerHeading = "%nExamples:%n", footer = {"  forge apikey list", "  forge apikey list -o json"})
    public static class ListCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            UserApi.printCredentials(ctx, UserApi.get(ctx, "/auth/api-keys").json());
            return 0;
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            header = "Replace an API key: the new value is shown once, the old one works for the grace period.",
            footerHeading = "%nExamples:%n",
            footer = {"  forge apikey rotate 0b7e…", "  forge apikey rotate 0b7e… --grace-period 0   # old key stops now"})
    public static class Rotate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ID", description = "The key's id (from 'forge apikey list').")
        String id;

        @Option(names = "--grace-period", paramLabel = "DURATION",
                description = "How long the old key keeps working: seconds or 90s, 15m, 12h, 7d (at most 30d). "
                        + "Default: the server's (7d).")
        String grace;

        @Option(names = {"-q", "--quiet"}, description = "Print only the new key.")
        boolean quiet;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            ObjectNode body = Json.object();
            if (grace != null) {
                body.put("grace_period_seconds", Text.seconds(grace, "--grace-period"));
            }
            UserApi.printCreated(ctx, UserApi.post(ctx, "/auth/api-keys/" + Http.segment(id) + "/rotate", body).json(),
                    "key", "new API key", quiet);
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            header = "Delete API keys: they stop working everywhere within a second.",
            footerHeading = "%nExamples:%n", footer = {"  forge apikey delete 0b7e…"})
    public static class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "ID", description = "The key's id.")
        List<String> ids;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            for (String id : ids) {
                UserApi.delete(ctx, "/auth/api-keys/" + Http.segment(id));
                Output.note("Deleted API key " + id + ".");
            }
            return 0;
        }
    }
}
