package dev.forgeauth.introspection.opaque;

import dev.forgeauth.core.token.OpaqueTokens;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Singleton;

/** Personal access tokens, {@code dfpat_…}. */
@Singleton
public class PatKind extends PersonalTokenKinds {

    public PatKind(Pool pool, UsageRecorder usage) {
        super(pool, usage);
    }

    @Override
    public String prefix() {
        return OpaqueTokens.PAT;
    }

    @Override
    public String kindName() {
        return "pat";
    }
}
