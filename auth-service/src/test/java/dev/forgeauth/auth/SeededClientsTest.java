package dev.forgeauth.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.auth.client.ClientService;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 point 7: the gateway holds an {@code introspect}-only client of its own, and start-up
 * seeding never brings back a client an operator deleted (say, because its secret leaked).
 * {@code Startup}'s seeding methods are what a restart runs.
 */
@QuarkusTest
class SeededClientsTest {

    @Inject
    ClientService clients;

    @Test
    void theGatewayClientHoldsIntrospectOnly() {
        given().auth().oauth2(TestTokens.admin()).get("/admin/clients/test-gateway").then().statusCode(200)
                .body("scope", equalTo("introspect"))
                .body("grant_types", equalTo(List.of("client_credentials")));
        given().auth().preemptive().basic("test-gateway", "test-gateway-secret-not-for-production")
                .formParam("grant_type", "client_credentials").formParam("scope", "introspect")
                .post("/oauth/token").then().statusCode(200);
        given().auth().preemptive().basic("test-gateway", "test-gateway-secret-not-for-production")
                .formParam("grant_type", "client_credentials").formParam("scope", "admin")
                .post("/oauth/token").then().statusCode(400).body("error", equalTo("invalid_scope"));
    }

    @Test
    void theBootstrapClientIsSeededOnlyIntoAnEmptyRegistry() {
        // the registry holds clients (test-admin, seeded on the first start): a restart with another
        // bootstrap id, or after the bootstrap client was deleted, creates nothing
        String id = "boot-" + UUID.randomUUID();
        assertFalse(Startup.seedBootstrap(clients, id, "bootstrap-secret-0123456789abcdef", 3600));
        given().auth().oauth2(TestTokens.admin()).get("/admin/clients/" + id).then().statusCode(404);
        given().auth().preemptive().basic(id, "bootstrap-secret-0123456789abcdef")
                .formParam("grant_type", "client_credentials").post("/oauth/token").then().statusCode(401);
    }

    @Test
    void aDeletedAdminClientStaysDeletedAfterARestart() {
        TestClients.Registered leaked = TestClients.client().scope("admin introspect").register();
        given().auth().oauth2(TestTokens.admin()).delete("/admin/clients/" + leaked.id()).then().statusCode(204);
        // what the next start does, with the deleted client still configured as the bootstrap client
        assertFalse(Startup.seedBootstrap(clients, leaked.id(), leaked.secret(), 3600));
        given().auth().oauth2(TestTokens.admin()).get("/admin/clients/" + leaked.id()).then().statusCode(404);
    }

    @Test
    void aDeletedGatewayClientIsNotSeededAgain() {
        String id = "gw-" + UUID.randomUUID();
        assertTrue(Startup.seedGatewayClient(clients, id, "gateway-secret-0123456789abcdef", 3600));
        given().auth().oauth2(TestTokens.admin()).get("/admin/clients/" + id).then().statusCode(200)
                .body("scope", equalTo("introspect"));
        assertFalse(Startup.seedGatewayClient(clients, id, "gateway-secret-0123456789abcdef", 3600), "exists already");
        given().auth().oauth2(TestTokens.admin()).delete("/admin/clients/" + id).then().statusCode(204);
        assertFalse(Startup.seedGatewayClient(clients, id, "gateway-secret-0123456789abcdef", 3600));
        given().auth().oauth2(TestTokens.admin()).get("/admin/clients/" + id).then().statusCode(404);
    }
}
