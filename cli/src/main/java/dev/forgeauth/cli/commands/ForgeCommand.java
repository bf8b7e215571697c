package dev.forgeauth.cli.commands;

import dev.forgeauth.cli.support.ConfigStore;
import dev.forgeauth.cli.support.Ctx;
import dev.forgeauth.cli.support.Output;
import dev.forgeauth.cli.support.Version;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

@Command(name = "forge", mixinStandardHelpOptions = true, versionProvider = Version.class,
        header = "Forge Auth from the terminal: log in, mint tokens for scripts, manage credentials.",
        description = {
            "Talks to a Forge Auth server through its front door (the gateway). Logins are stored per profile in "
                + "$XDG_CONFIG_HOME/forge/profiles/ (~/.config/forge by default), readable by you only (0600), "
                + "and refreshed automatically when the access token is about to expire.",
            "",
            "Secrets (client secrets, passwords) are never accepted as arguments: they come from the "
                + "environment (FORGE_CLIENT_SECRET, FORGE_PASSWORD), from standard input (--…-stdin) or from a "
                + "prompt.",
        },
        subcommands = {
            LoginCommand.class,
            LogoutCommand.class,
            StatusCommand.class,
            TokenCommand.class,
            PatCommand.class,
            ApiKeyCommand.class,
            SessionCommand.class,
            AdminCommand.class,
            ApiCommand.class,
            CompletionCommand.class,
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  forge login                                   # device login: open the URL, confirm the code",
            "  forge login --password --email dev@example.com",
            "  forge pat create --name laptop --scope deployment:read",
            "  forge api /api/v1/deployments",
            "  export FORGE_CLIENT_SECRET=…                  # from your secret store, not typed in",
            "  TOKEN=$(forge token mint --client-id billing --scope deployment:read)",
            "  source <(forge completion)                    # tab completion in bash and zsh",
            "",
            "Environment: FORGE_SERVER, FORGE_PROFILE, FORGE_CLIENT_SECRET, FORGE_TOKEN (use this token instead "
                + "of the stored login), FORGE_CONFIG_DIR, XDG_CONFIG_HOME, FORGE_INSECURE_HTTP=1, FORGE_DEBUG=1.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:ok",
            "1:error (the server refused, the network failed)",
            "2:usage (wrong arguments, a secret given as an argument)",
            "3:not authenticated (no login, expired or revoked; device login denied or timed out)",
        })
public class ForgeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--server", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "The server's front door, e.g. http://localhost:8080. Default: $FORGE_SERVER, "
                    + "the profile's server, http://localhost:8080.")
    String server;

    @Option(names = "--profile", scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = "Which stored login to use (one per server or identity). Default: $FORGE_PROFILE or 'default'.")
    String profile;

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT",
            description = "table (for people, the default) or json (the server's answer, for scripts).")
    Output.Format output;

    @Option(names = "--insecure-http", scope = ScopeType.INHERIT,
            description = "Allow plain http:// to a server that is not this machine (passwords and tokens then "
                    + "cross the network unencrypted). Default: $FORGE_INSECURE_HTTP=1, else refused.")
    boolean insecureHttp;

    private Ctx ctx;

    @Override
    public Integer call() {
        throw Commands.missingSubcommand(spec);
    }

    /** The context built from the global options (once per run). */
    Ctx ctx() {
        if (ctx == null) {
            String s = server != null ? server : env("FORGE_SERVER");
            String p = profile != null ? profile : env("FORGE_PROFILE");
            ctx = new Ctx(ConfigStore.fromEnvironment(), p == null ? "default" : p, s,
                    output == null ? Output.Format.table : output, insecureHttp || "1".equals(env("FORGE_INSECURE_HTTP")));
        }
        return ctx;
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : v;
    }
}
