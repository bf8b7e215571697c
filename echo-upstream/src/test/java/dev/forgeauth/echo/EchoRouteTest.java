package dev.forgeauth.echo;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.http.Header;
import io.restassured.http.Headers;
import org.junit.jupiter.api.Test;

/** Any method on any path comes back as JSON describing what the echo received. */
@QuarkusTest
class EchoRouteTest {

    @Test
    void whenGetThenMethodPathQueryAndHeadersEchoed() {
        given().urlEncodingEnabled(false)
                .header("X-Auth-Subject", "user-1")
                .header("X-Request-Id", "req.42")
                .when().get("/api/v1/deployments/abc%2Fdef?env=prod&tag=a&tag=b")
                .then()
                .statusCode(200)
                .contentType(startsWith("application/json"))
                .body("method", equalTo("GET"))
                .body("path", equalTo("/api/v1/deployments/abc%2Fdef"))
                .body("query", equalTo("env=prod&tag=a&tag=b"))
                .body("headers.'x-auth-subject'", equalTo("user-1"))
                .body("headers.'x-request-id'", equalTo("req.42"));
    }

    @Test
    void whenPostWithBodyThenEchoedWithoutBody() {
        given().config(RestAssuredConfig.config().encoderConfig(
                        EncoderConfig.encoderConfig().appendDefaultContentCharsetToContentTypeIfUndefined(false)))
                .contentType("application/json")
                .header("X-Auth-Scopes", "deployment:write")
                .body("{\"replicas\":3}")
                .when().post("/api/v1/infrastructure/clusters?dry_run=true")
                .then()
                .statusCode(200)
                .body("method", equalTo("POST"))
                .body("path", equalTo("/api/v1/infrastructure/clusters"))
                .body("query", equalTo("dry_run=true"))
                .body("headers.'content-type'", equalTo("application/json"))
                .body("headers.'content-length'", equalTo("14"))
                .body("headers.'x-auth-scopes'", equalTo("deployment:write"));
        // the connection is still usable after a body the echo never read
        given().when().delete("/anything").then().statusCode(200).body("method", equalTo("DELETE"));
    }

    @Test
    void whenHeaderRepeatedThenValuesJoined() {
        given().headers(new Headers(new Header("X-Multi", "one"), new Header("X-Multi", "two")))
                .when().put("/")
                .then()
                .statusCode(200)
                .body("method", equalTo("PUT"))
                .body("path", equalTo("/"))
                .body("query", equalTo(""))
                .body("headers.'x-multi'", equalTo("one, two"));
    }

    @Test
    void whenHealthThenQuarkusAnswersNotEcho() {
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
