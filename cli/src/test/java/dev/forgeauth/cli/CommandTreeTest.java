package dev.forgeauth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command has --help with examples; usage errors exit 2 with one line. */
class CommandTreeTest {

    static List<CommandLine> all(CommandLine cl) {
        List<CommandLine> out = new ArrayList<>();
        out.add(cl);
        cl.getSubcommands().values().forEach(c -> out.addAll(all(c)));
        return out;
    }

    @Test
    void everyCommandHasHelpWithExamples() {
        CommandLine root = Main.commandLine();
        List<String> names = new ArrayList<>();
        for (CommandLine c : all(root)) {
            String help = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
            String name = c.getCommandSpec().qualifiedName();
            names.add(name);
            assertTrue(help.contains("Examples:"), name + " --help has no examples:\n" + help);
            assertTrue(help.contains("--help"), name);
            assertTrue(c.getCommandSpec().mixinStandardHelpOptions(), name);
        }
        for (String expected : List.of("forge login", "forge logout", "forge token mint", "forge token inspect",
                "forge token revoke", "forge pat create", "forge pat list", "forge pat delete", "forge apikey create",
                "forge apikey list", "forge apikey rotate", "forge apikey delete", "forge session list",
                "forge session end", "forge admin client create", "forge admin client list",
                "forge admin client rotate-secret", "forge admin client delete", "forge admin user create",
                "forge admin user list", "forge admin user delete", "forge admin keys rotate", "forge api",
                "forge completion")) {
            assertTrue(names.contains(expected), expected + " missing from " + names);
        }
    }

    int run(StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return cl.execute(args);
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        for (String[] args : new String[][] {
            {"token", "mint", "--client-id", "c", "--client-secret", "hunter2"},
            {"token", "mint"},
            {"admin", "user", "create", "--email", "a@b.c", "--password", "hunter2"},
            {"nonsense"},
            {"token"},
            {"pat", "delete"},
            {"api"},
            {"--output", "yaml", "status"},
        }) {
            StringWriter err = new StringWriter();
            assertEquals(2, run(err, args), String.join(" ", args) + ": " + err);
            String text = err.toString();
            assertEquals(1, text.lines().count(), "one line: " + text);
            assertTrue(text.startsWith("forge: "), text);
            assertTrue(!text.contains("hunter2"), "the secret is not echoed: " + text);
        }
    }

    @Test
    void secretArgumentsAreRefusedWithTheWayToPassThem() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "token", "mint", "--client-id", "c", "--client-secret", "x"));
        assertTrue(err.toString().contains("FORGE_CLIENT_SECRET"), err.toString());
        assertTrue(err.toString().contains("--client-secret-stdin"), err.toString());
    }

    @Test
    void loginOverPlainHttpToARemoteServerIsRefusedBeforeAnythingIsSent() {
        StringWriter err = new StringWriter();
        // 192.0.2.0/24 is TEST-NET-1: nothing answers there, so only the refusal can end this quickly
        int code = run(err, "--server", "http://192.0.2.1:8080", "--profile", "insecure-http-test", "login");
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("refusing plain http to 192.0.2.1"), err.toString());
    }
}
