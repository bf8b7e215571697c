package dev.forgeauth.cli.commands;

import dev.forgeauth.cli.support.Secrets;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --client-secret-stdin}, and a clear refusal of {@code --client-secret VALUE}. */
public class SecretOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--client-secret-stdin",
            description = "Read the client secret from standard input (else $FORGE_CLIENT_SECRET is used).")
    boolean stdin;

    @Option(names = {"--client-secret", "--secret"}, hidden = true, paramLabel = "SECRET")
    void refuse(String ignored) {
        throw Commands.secretArgument(mixee, "--client-secret",
                "set " + Secrets.CLIENT_SECRET_ENV + " or pipe it to --client-secret-stdin");
    }

    /** The secret, or null when neither source has one. */
    String secret() {
        return Secrets.clientSecret(stdin);
    }

    String require(String clientId) {
        return Secrets.requireClientSecret(stdin, clientId);
    }
}
