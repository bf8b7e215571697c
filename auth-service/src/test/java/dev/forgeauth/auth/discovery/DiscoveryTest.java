package dev.forgeauth.auth.discovery;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Server metadata lists what is served, and nothing that is not. */
@QuarkusTest
class DiscoveryTest {

    @Test
    void authorizationServerMetadata() {
        for (String path : new String[] {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
            given().get(path).then().statusCode(200)
                    .body("issuer", equalTo("http://localhost:8080"))
                    .body("token_endpoint", equalTo("http://localhost:8080/oauth/token"))
                    .body("jwks_uri", equalTo("http://localhost:8080/oauth/jwks"))
                    .body("grant_types_supported", hasItems("client_credentials", "authorization_code",
                            "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"))
                    .body("grant_types_supported", not(hasItem("password")))
                    .body("grant_types_supported", not(hasItem("implicit")))
                    .body("response_types_supported", equalTo(java.util.List.of("code")))
                    .body("code_challenge_methods_supported", equalTo(java.util.List.of("S256")))
                    .body("authorization_endpoint", equalTo("http://localhost:8080/oauth/authorize"))
                    .body("userinfo_endpoint", equalTo("http://localhost:8080/oauth/userinfo"))
                    .body("device_authorization_endpoint", equalTo("http://localhost:8080/oauth/device_authorization"))
                    .body("token_endpoint_auth_methods_supported", hasItems("client_secret_basic", "client_secret_post"));
        }
    }

    @Test
    void healthAndMetricsAnswer() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200);
    }
}
