package dev.forgeauth.auth.authorize;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.auth.support.Browser;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every absolute URL the auth-service writes comes from the issuer ({@code http://localhost:8080} in
 * tests), never from the request's {@code Host} or {@code X-Forwarded-*}: behind the gateway those name
 * the upstream, and a sign-in on {@code /device} sent the browser to {@code http://127.0.0.1/device}
 * (issue 13, finding 1). The requests here carry what a gateway or an attacker could send.
 */
@QuarkusTest
class FrontDoorUrlsTest {

    static final String ISSUER = "http://localhost:8080";

    /** A request as it arrives from a proxy that names another host (127.0.0.1 is a trusted proxy here). */
    static RequestSpecification spoofed() {
        return given().redirects().follow(false).header("Host", "127.0.0.1:8081")
                .header("X-Forwarded-Host", "evil.example").header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Port", "8443").header("Forwarded", "host=evil.example;proto=https");
    }

    static List<String> actions(String html) {
        Matcher m = Pattern.compile("action=\"([^\"]*)\"").matcher(html);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    static Response signInOn(String page, TestUsers.Created u) {
        Response login = spoofed().get(page);
        assertEquals(200, login.statusCode(), login.asString());
        String html = login.asString();
        assertEquals(List.of(ISSUER + "/login"), actions(html), "the form posts to the front door");
        return spoofed().contentType("application/x-www-form-urlencoded").formParam("req", Browser.field(html, "req"))
                .formParam("csrf", Browser.field(html, "csrf")).formParam("email", u.email())
                .formParam("password", TestUsers.PASSWORD).post("/login");
    }

    @Test
    void signInOnTheDevicePageReturnsToTheIssuersDevicePage() {
        Response done = signInOn("/device", TestUsers.create("deployment:read"));
        assertEquals(303, done.statusCode(), done.asString());
        assertEquals(ISSUER + "/device", done.header("Location"));
        assertTrue(done.header("Set-Cookie").startsWith("df_session="));
    }

    @Test
    void signInOnTheDevicePageWithACodeKeepsTheCode() {
        Response login = spoofed().queryParam("user_code", "bcdf-ghjk").get("/device");
        String html = login.asString();
        Response done = spoofed().contentType("application/x-www-form-urlencoded").formParam("req", Browser.field(html, "req"))
                .formParam("csrf", Browser.field(html, "csrf")).formParam("email", TestUsers.create().email())
                .formParam("password", TestUsers.PASSWORD).post("/login");
        assertEquals(303, done.statusCode());
        assertEquals(ISSUER + "/device?user_code=BCDF-GHJK", done.header("Location"));
    }

    @Test
    void signInOnTheAccountPageReturnsToTheIssuersAccountPage() {
        Response done = signInOn("/account", TestUsers.create());
        assertEquals(303, done.statusCode(), done.asString());
        assertEquals(ISSUER + "/account", done.header("Location"));
    }

    @Test
    void pagesOfASignedInUserPostToTheFrontDoor() {
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        for (String page : List.of("/device", "/account")) {
            String html = spoofed().cookie("df_session", cookie).get(page).asString();
            List<String> actions = actions(html);
            assertFalse(actions.isEmpty(), page);
            for (String a : actions) {
                assertTrue(a.startsWith(ISSUER + "/"), page + ": " + a);
            }
        }
    }

    @Test
    void anExpiredDeviceFormRedirectsToTheIssuer() {
        Response r = spoofed().contentType("application/x-www-form-urlencoded").formParam("csrf", "stale")
                .formParam("user_code", "BCDF-GHJK").post("/device");
        assertEquals(303, r.statusCode());
        assertEquals(ISSUER + "/device", r.header("Location"));
        Response c = spoofed().contentType("application/x-www-form-urlencoded").formParam("csrf", "stale")
                .formParam("user_code", "BCDF-GHJK").formParam("decision", "approve").post("/device/confirm");
        assertEquals(303, c.statusCode());
        assertEquals(ISSUER + "/device", c.header("Location"));
    }

    @Test
    void verificationUrisComeFromTheIssuer() {
        String client = TestClients.client().set("token_endpoint_auth_method", "none")
                .set("grant_types", List.of(DeviceFlowTest.DEVICE)).set("scope", "deployment:read").register().id();
        Response r = spoofed().formParam("client_id", client).post("/oauth/device_authorization");
        assertEquals(200, r.statusCode(), r.asString());
        assertEquals(ISSUER + "/device", r.path("verification_uri"));
        assertEquals(ISSUER + "/device?user_code=" + r.path("user_code"), r.path("verification_uri_complete"));
    }

    @Test
    void discoveryNamesTheIssuerWhateverTheHost() {
        Response r = spoofed().get("/.well-known/openid-configuration");
        assertEquals(ISSUER, r.path("issuer"));
        assertFalse(r.asString().contains("evil.example"));
        assertFalse(r.asString().contains("127.0.0.1"));
    }
}
