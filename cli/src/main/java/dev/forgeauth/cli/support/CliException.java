package dev.forgeauth.cli.support;

/**
 * A failure the CLI reports as one line on stderr, with its exit code. Never carries a stack trace to
 * the user: {@link dev.forgeauth.cli.Main} prints the message only.
 */
public final class CliException extends RuntimeException {

    /** Something went wrong: a server error, a refusal, the network. */
    public static final int ERROR = 1;
    /** The command line was wrong (unknown option, missing argument, a secret passed as an argument). */
    public static final int USAGE = 2;
    /** Not authenticated: no stored login, an expired or revoked one, denied or timed-out device login. */
    public static final int AUTH = 3;

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public static CliException error(String message) {
        return new CliException(ERROR, message);
    }

    public static CliException usage(String message) {
        return new CliException(USAGE, message);
    }

    public static CliException auth(String message) {
        return new CliException(AUTH, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
