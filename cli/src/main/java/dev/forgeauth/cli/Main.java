package dev.forgeauth.cli;

import dev.forgeauth.cli.commands.ForgeCommand;
import dev.forgeauth.cli.support.CliException;
import dev.forgeauth.cli.support.Text;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of {@code forge}. Exit codes: 0 ok, 1 error, 2 usage, 3 not authenticated (or a device
 * login that was denied or timed out). Every failure is one line on stderr; no stack traces (set
 * {@code FORGE_DEBUG=1} to see one for an unexpected error).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new ForgeCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpWidth(100);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof CliException c) {
                err.println("forge: " + Text.oneLine(c.getMessage()));
                err.flush();
                return c.exitCode();
            }
            if (e instanceof ParameterException p) {
                return usage(p, err);
            }
            err.println("forge: unexpected error: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + Text.oneLine(e.getMessage())));
            if ("1".equals(System.getenv("FORGE_DEBUG"))) {
                e.printStackTrace(err);
            }
            err.flush();
            return CliException.ERROR;
        });
        cl.setParameterExceptionHandler((ex, args) -> usage(ex, ex.getCommandLine().getErr()));
        return cl;
    }

    /** One line: the problem and where to read more. */
    static int usage(ParameterException ex, PrintWriter err) {
        String name = ex.getCommandLine().getCommandSpec().qualifiedName();
        String message = Text.oneLine(ex.getMessage());
        if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            message += " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
        }
        err.println("forge: " + message + " (see '" + name + " --help')");
        err.flush();
        return CliException.USAGE;
    }
}
