package dev.forgeauth.cli.commands;

import dev.forgeauth.cli.support.Ctx;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Shared bits of the commands. */
final class Commands {

    private Commands() {
    }

    /** The run's context, from the root command's global options. */
    static Ctx ctx(CommandSpec spec) {
        return ((ForgeCommand) spec.root().userObject()).ctx();
    }

    /** A command group run without a subcommand: a usage error naming the choices. */
    static ParameterException missingSubcommand(CommandSpec spec) {
        String choices = spec.subcommands().keySet().stream().filter(n -> !n.equals("help"))
                .collect(Collectors.joining(", "));
        return new ParameterException(spec.commandLine(), "missing command: one of " + choices);
    }

    /** A refusal of a secret given as an argument (exit 2). */
    static ParameterException secretArgument(CommandSpec spec, String option, String instead) {
        return new ParameterException(spec.commandLine(), option + " is not accepted: a secret on the command line "
                + "shows in ps and in the shell's history; " + instead);
    }
}
