package dev.forgeauth.cli.support;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Secrets come from the environment, from standard input or from a terminal prompt: never from a
 * command-line argument, which every user of the machine can read in {@code ps} and which lands in
 * the shell's history.
 */
public final class Secrets {

    public static final String CLIENT_SECRET_ENV = "FORGE_CLIENT_SECRET";

    private static boolean stdinUsed;

    private Secrets() {
    }

    /** The client secret: standard input when asked, else FORGE_CLIENT_SECRET, else null. */
    public static String clientSecret(boolean fromStdin) {
        if (fromStdin) {
            String s = stdin("--client-secret-stdin");
            if (s.isEmpty()) {
                throw CliException.usage("--client-secret-stdin: standard input was empty");
            }
            return s;
        }
        String env = System.getenv(CLIENT_SECRET_ENV);
        return env == null || env.isEmpty() ? null : env;
    }

    /** As {@link #clientSecret}, but a usage error when there is none. */
    public static String requireClientSecret(boolean fromStdin, String clientId) {
        String s = clientSecret(fromStdin);
        if (s == null) {
            throw CliException.usage("no secret for client '" + Text.oneLine(clientId) + "': set " + CLIENT_SECRET_ENV
                    + " or pipe it to --client-secret-stdin (a secret is never accepted as an argument)");
        }
        return s;
    }

    /**
     * A password: standard input (first line) when asked, else the environment variable, else a prompt
     * on the terminal (twice when {@code confirm}); a usage error without any of them.
     */
    public static String password(boolean fromStdin, String option, String env, String prompt, boolean confirm) {
        if (fromStdin) {
            String s = stdin(option);
            int nl = s.indexOf('\n');
            String first = nl < 0 ? s : s.substring(0, nl);
            if (first.endsWith("\r")) {
                first = first.substring(0, first.length() - 1);
            }
            if (first.isEmpty()) {
                throw CliException.usage(option + ": standard input was empty");
            }
            return first;
        }
        String fromEnv = env == null ? null : System.getenv(env);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv;
        }
        Console console = System.console();
        if (console == null) {
            throw CliException.usage("no password: pipe it to " + option + (env == null ? "" : ", set " + env)
                    + " or run in a terminal (a password is never accepted as an argument)");
        }
        char[] a = console.readPassword("%s", prompt);
        if (a == null || a.length == 0) {
            throw CliException.usage("no password given");
        }
        if (confirm) {
            char[] b = console.readPassword("%s", "Again: ");
            if (b == null || !Arrays.equals(a, b)) {
                throw CliException.usage("the passwords do not match");
            }
        }
        return new String(a);
    }

    /** A line typed at the terminal, or null without one. */
    public static String prompt(String text) {
        Console console = System.console();
        if (console == null) {
            return null;
        }
        String s = console.readLine("%s", text);
        return s == null ? null : s.trim();
    }

    /** All of standard input without its final line break; once per process. */
    static String stdin(String option) {
        if (stdinUsed) {
            throw CliException.usage(option + ": standard input is already used by another option");
        }
        stdinUsed = true;
        try {
            String s = new String(readAll(System.in), StandardCharsets.UTF_8);
            if (s.endsWith("\n")) {
                s = s.substring(0, s.length() - 1);
            }
            if (s.endsWith("\r")) {
                s = s.substring(0, s.length() - 1);
            }
            return s;
        } catch (IOException e) {
            throw CliException.error("cannot read standard input: " + Text.oneLine(e.getMessage()));
        }
    }

    /** Reads standard input for data (not a secret): {@code forge api --data @-}. */
    public static String stdinData(String option) {
        return stdin(option);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            if (out.size() > 16 * 1024 * 1024) {
                throw new IOException("more than 16 MiB");
            }
        }
        return out.toByteArray();
    }
}
