package dev.forgeauth.introspection.opaque;

import dev.forgeauth.core.token.OpaqueTokens;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Singleton;

/** API keys, {@code sk_live_…}. */
@Singleton
public class ApiKeyKind extends PersonalTokenKinds {

    public ApiKeyKind(Pool pool, UsageRecorder usage) {
        super(pool, usage);
    }

    @Override
    public String prefix() {
        return OpaqueTokens.API_KEY;
    }

    @Override
    public String kindName() {
        return "api_key";
    }
}
