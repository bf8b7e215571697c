package dev.forgeauth.introspection.support;

import dev.forgeauth.core.crypto.Kek;
import dev.forgeauth.testing.ForgeInfraResource;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.UUID;

/** Registers clients in the auth-service's table the way the auth-service does (keyed secret hash). */
public final class TestCallers {

    private TestCallers() {
    }

    public record Registered(String id, String secret) {
    }

    public static Registered register(Pool pool, String scope) {
        String id = "caller-" + UUID.randomUUID();
        String secret = UUID.randomUUID().toString() + UUID.randomUUID();
        String hash = new Kek(ForgeInfraResource.TEST_KEK).secretHasher().hash(secret);
        pool.preparedQuery("INSERT INTO oauth_client (client_id, client_name, secret_hash, token_endpoint_auth_method, "
                + "grant_types, scope, access_token_ttl) VALUES ($1, $1, $2, 'client_secret_basic', "
                + "'{client_credentials}', $3, 3600)")
                .execute(Tuple.of(id, hash, scope)).await().indefinitely();
        return new Registered(id, secret);
    }
}
