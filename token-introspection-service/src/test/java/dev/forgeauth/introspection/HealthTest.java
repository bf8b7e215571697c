package dev.forgeauth.introspection;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The service starts against PostgreSQL and Redis, reports ready, and answers unknown paths with JSON. */
@QuarkusTest
class HealthTest {

    @Test
    void whenDependenciesAnswerThenReady() throws InterruptedException {
        // ready once the signing keys have been fetched and the revocation list loaded (asynchronously)
        for (int i = 0; i < 100 && given().get("/q/health/ready").statusCode() != 200; i++) {
            Thread.sleep(100);
        }
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("token-verification"));
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void whenPathUnknownThenJson404() {
        given().when().get("/no/such/path").then()
                .statusCode(404)
                .contentType(startsWith("application/json"))
                .body("error", equalTo("not_found"))
                .body("error_description", notNullValue());
    }
}
