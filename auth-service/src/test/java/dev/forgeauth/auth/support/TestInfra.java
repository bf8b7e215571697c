package dev.forgeauth.auth.support;

import dev.forgeauth.testing.ForgeInfraResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;

/** Points every test of this module at its own database on the real (or embedded) PostgreSQL and Redis. */
@QuarkusTestResource(value = ForgeInfraResource.class,
        initArgs = @ResourceArg(name = "database", value = "forge_auth_test"))
public class TestInfra {
}
