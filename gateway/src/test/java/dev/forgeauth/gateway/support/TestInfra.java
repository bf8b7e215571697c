package dev.forgeauth.gateway.support;

import dev.forgeauth.testing.ForgeInfraResource;
import dev.forgeauth.testing.JwksServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;

/** Real Redis, a JWKS server and a real upstream for every gateway test. */
@QuarkusTestResource(value = ForgeInfraResource.class, initArgs = @ResourceArg(name = "datasource", value = "false"))
@QuarkusTestResource(JwksServer.class)
@QuarkusTestResource(UpstreamServer.class)
@QuarkusTestResource(RawUpstream.class)
public class TestInfra {
}
