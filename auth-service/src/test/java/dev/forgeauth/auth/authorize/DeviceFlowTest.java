package dev.forgeauth.auth.authorize;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.auth.support.Browser;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 8628 device authorization: pending, slow_down, approval on /device, denial, expiry. */
@QuarkusTest
class DeviceFlowTest {

    static final String DEVICE = "urn:ietf:params:oauth:grant-type:device_code";

    @Inject
    Pool pool;

    static String cliClient() {
        return TestClients.client().set("token_endpoint_auth_method", "none")
                .set("grant_types", List.of(DEVICE, "refresh_token")).set("scope", "deployment:read").register().id();
    }

    static ExtractableResponse<Response> start(String client) {
        return given().formParam("client_id", client).formParam("scope", "deployment:read")
                .post("/oauth/device_authorization").then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("device_code", notNullValue()).body("user_code", notNullValue())
                .body("verification_uri", equalTo("http://localhost:8080/device"))
                .body("expires_in", equalTo(600)).body("interval", equalTo(1))
                .extract();
    }

    static Response poll(String client, String deviceCode) {
        return given().formParam("grant_type", DEVICE).formParam("device_code", deviceCode).formParam("client_id", client)
                .post("/oauth/token");
    }

    static void decide(String userCode, String cookie, String decision) {
        Response page = given().cookie("df_session", cookie).queryParam("user_code", userCode).get("/device");
        assertEquals(200, page.statusCode());
        String html = page.asString();
        assertTrue(html.contains(userCode), html);
        Response done = Browser.post("/device/confirm", cookie, Map.of("csrf", Browser.field(html, "csrf"),
                "user_code", userCode, "decision", decision));
        assertEquals(200, done.statusCode());
    }

    @Test
    void pendingSlowDownApprovedThenTokensOnce() throws Exception {
        String client = cliClient();
        var d = start(client);
        String device = d.path("device_code");
        String userCode = d.path("user_code");
        assertTrue(userCode.matches("[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}"), userCode);
        poll(client, device).then().statusCode(400).body("error", equalTo("authorization_pending"));
        poll(client, device).then().statusCode(400).body("error", equalTo("slow_down"));
        var u = TestUsers.create("deployment:read");
        decide(userCode, TestUsers.login(u).cookie("df_session"), "approve");
        Thread.sleep(6200); // the interval grew by five seconds after slow_down
        poll(client, device).then().statusCode(200).body("access_token", notNullValue())
                .body("refresh_token", notNullValue()).body("scope", equalTo("deployment:read"));
        Thread.sleep(6200);
        poll(client, device).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void aUserGrantsOnlyTheScopesTheyHold() throws Exception {
        String client = TestClients.client().set("token_endpoint_auth_method", "none")
                .set("grant_types", List.of(DEVICE)).set("scope", "deployment:read deployment:write").register().id();
        var d = given().formParam("client_id", client).formParam("scope", "deployment:read deployment:write")
                .post("/oauth/device_authorization").then().statusCode(200).extract();
        decide(d.path("user_code"), TestUsers.login(TestUsers.create("deployment:read")).cookie("df_session"), "approve");
        poll(client, d.path("device_code")).then().statusCode(200).body("scope", equalTo("deployment:read"));
    }

    @Test
    void theFirstPartyCliMayManageTheUsersCredentials() throws Exception {
        String client = TestClients.client().set("client_id", "forge-cli").set("token_endpoint_auth_method", "none")
                .set("grant_types", List.of(DEVICE, "refresh_token")).set("scope", "deployment:read").register().id();
        var d = start(client);
        decide(d.path("user_code"), TestUsers.login(TestUsers.create("deployment:read")).cookie("df_session"), "approve");
        String token = poll(client, d.path("device_code")).then().statusCode(200).extract().path("access_token");
        given().auth().oauth2(token).get("/auth/tokens").then().statusCode(200);
        // another client's device token may not
        String other = cliClient();
        var o = start(other);
        decide(o.path("user_code"), TestUsers.login(TestUsers.create("deployment:read")).cookie("df_session"), "approve");
        String otherToken = poll(other, o.path("device_code")).then().statusCode(200).extract().path("access_token");
        given().auth().oauth2(otherToken).get("/auth/tokens").then().statusCode(401);
    }

    @Test
    void deniedAndExpired() throws Exception {
        String client = cliClient();
        var d = start(client);
        decide(d.path("user_code"), TestUsers.login(TestUsers.create()).cookie("df_session"), "deny");
        poll(client, d.path("device_code")).then().statusCode(400).body("error", equalTo("access_denied"));

        var e = start(client);
        pool.preparedQuery("UPDATE device_code SET expires_at = now() - interval '1 second' WHERE user_code = $1")
                .execute(Tuple.of(e.<String>path("user_code"))).await().indefinitely();
        poll(client, e.path("device_code")).then().statusCode(400).body("error", equalTo("expired_token"));
    }

    @Test
    void devicePageNeedsSignInAndAValidCode() {
        Response anonymous = given().redirects().follow(false).get("/device");
        assertEquals(200, anonymous.statusCode());
        assertTrue(anonymous.asString().contains("name=\"password\""), "login form first");
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        String html = given().cookie("df_session", cookie).get("/device").asString();
        Response bad = Browser.post("/device", cookie, Map.of("csrf", Browser.field(html, "csrf"), "user_code", "BBBB-BBBB"));
        assertEquals(400, bad.statusCode());
        Response forged = Browser.post("/device/confirm", cookie, Map.of("csrf", "forged", "user_code", "BBBB-BBBB",
                "decision", "approve"));
        assertEquals(303, forged.statusCode());
    }

    @Test
    void clientWithoutTheGrantIsRefused() {
        var c = TestClients.client().register();
        given().auth().preemptive().basic(c.id(), c.secret()).formParam("scope", "deployment:read")
                .post("/oauth/device_authorization").then().statusCode(400).body("error", equalTo("unauthorized_client"));
        poll(cliClient(), "dfdc_nonsense").then().statusCode(400).body("error", equalTo("invalid_grant"));
    }
}
