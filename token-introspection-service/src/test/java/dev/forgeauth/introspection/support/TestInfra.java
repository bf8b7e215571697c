package dev.forgeauth.introspection.support;

import dev.forgeauth.testing.ForgeInfraResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;

/** Real PostgreSQL (with the auth-service's schema) and Redis, and a JWKS server the tests control. */
@QuarkusTestResource(value = ForgeInfraResource.class, initArgs = {
        @ResourceArg(name = "database", value = "forge_introspection_test"),
        @ResourceArg(name = "migrations", value = "filesystem:../auth-service/src/main/resources/db/migration")})
@QuarkusTestResource(dev.forgeauth.testing.JwksServer.class)
public class TestInfra {
}
