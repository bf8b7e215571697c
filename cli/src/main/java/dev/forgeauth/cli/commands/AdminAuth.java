package dev.forgeauth.cli.commands;

import dev.forgeauth.cli.support.ClientTokens;
import dev.forgeauth.cli.support.Ctx;
import dev.forgeauth.cli.support.Http;
import dev.forgeauth.cli.support.Json;
import dev.forgeauth.cli.support.Logins;
import picocli.CommandLine.Option;

/**
 * How admin commands authenticate: as a confidential client holding scope {@code admin} ({@code --as ID}
 * or $FORGE_ADMIN_CLIENT_ID, secret from $FORGE_CLIENT_SECRET or --client-secret-stdin; its token is
 * minted with client credentials and cached like {@code forge token mint}'s), else with the stored
 * login, which then has to carry scope {@code admin}.
 */
public class AdminAuth extends SecretOptions {

    static final String ENV = "FORGE_ADMIN_CLIENT_ID";

    @Option(names = "--as", paramLabel = "CLIENT_ID",
            description = "Authenticate as this confidential client (scope admin), e.g. the bootstrap admin "
                    + "client. Default: $FORGE_ADMIN_CLIENT_ID, else the stored login.")
    String as;

    /** The Authorization header value for the admin API. */
    String authorization(Ctx ctx) {
        String clientId = as != null ? as : System.getenv(ENV);
        if (clientId != null && !clientId.isBlank()) {
            String s = require(clientId);
            return Http.bearer(Json.text(ClientTokens.mint(ctx, clientId, s, "admin", true), "access_token"));
        }
        return Http.bearer(Logins.bearer(ctx));
    }
}
