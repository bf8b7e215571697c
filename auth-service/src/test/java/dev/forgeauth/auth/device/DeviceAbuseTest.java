package dev.forgeauth.auth.device;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 point 9: device authorization is limited per address (an IPv6 /64) and per client, a
 * user-code collision is retried, and the confirmation page says who asked, when, from where, and to
 * approve only what you started yourself (RFC 8628 §5.4). Test limits: 12 per address, 8 per client.
 */
@QuarkusTest
class DeviceAbuseTest {

    static final String DEVICE = "urn:ietf:params:oauth:grant-type:device_code";

    @Inject
    DeviceCodes codes;

    static String cliClient() {
        return TestClients.client().set("token_endpoint_auth_method", "none")
                .set("grant_types", List.of(DEVICE, "refresh_token")).set("scope", "deployment:read").register().id();
    }

    /** A random /64 of the documentation prefix, as "2001:db8:x:y:". */
    static String slash64() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "2001:db8:" + Integer.toHexString(r.nextInt(0x10000)) + ":" + Integer.toHexString(r.nextInt(0x10000)) + ":";
    }

    static Response start(String client, String address) {
        return given().header("X-Forwarded-For", address).formParam("client_id", client)
                .post("/oauth/device_authorization");
    }

    @Test
    void oneIpv6Slash64IsLimitedAsOneAddress() {
        String net = slash64();
        String[] clients = {cliClient(), cliClient()};
        for (int i = 1; i <= 12; i++) {
            // every request from another address of the /64, over two clients (each under its limit of 8)
            start(clients[i % 2], net + Integer.toHexString(i) + ":0:0:1").then().statusCode(200);
        }
        Response refused = start(clients[0], net + "ffff:ffff:ffff:ffff");
        assertEquals(429, refused.statusCode(), refused.asString());
        assertEquals("application/json", refused.contentType().split(";")[0]);
        assertNotNull(refused.jsonPath().getString("error"));
        assertTrue(Long.parseLong(refused.header("Retry-After")) >= 1);
        // the next /64 is another client of the network
        start(cliClient(), slash64() + ":1").then().statusCode(200);
    }

    @Test
    void oneClientIsLimitedWhateverTheAddresses() {
        String client = cliClient();
        for (int i = 0; i < 8; i++) {
            start(client, slash64() + ":1").then().statusCode(200);
        }
        Response refused = start(client, slash64() + ":1");
        assertEquals(429, refused.statusCode(), refused.asString());
        assertTrue(Long.parseLong(refused.header("Retry-After")) >= 1);
        start(cliClient(), slash64() + ":1").then().statusCode(200);
    }

    @Test
    void aUserCodeCollisionIsRetriedNotA500() {
        String taken = DeviceCodes.userCode();
        AtomicInteger calls = new AtomicInteger();
        try {
            // the first request takes the code; the second draws it twice more before a fresh one
            codes.userCodes(() -> calls.getAndIncrement() < 3 ? taken : DeviceCodes.userCode());
            String client = cliClient();
            start(client, slash64() + ":1").then().statusCode(200).body("user_code", equalTo(taken));
            Response second = start(client, slash64() + ":1");
            assertEquals(200, second.statusCode(), second.asString());
            assertNotEquals(taken, second.jsonPath().getString("user_code"));
            assertEquals(4, calls.get(), "two collisions, then a fresh code");

            // nothing but taken codes: 503 JSON, never a 500
            codes.userCodes(() -> taken);
            Response exhausted = start(cliClient(), slash64() + ":1");
            assertEquals(503, exhausted.statusCode(), exhausted.asString());
            assertEquals("temporarily_unavailable", exhausted.jsonPath().getString("error"));
        } finally {
            codes.userCodes(null);
        }
    }

    @Test
    void theConfirmationPageNamesTheClientTimeAndOriginAndWarns() {
        String client = cliClient();
        String origin = slash64() + "0:0:0:abcd"; // the form Java writes (no "::")
        Instant before = Instant.now();
        String userCode = start(client, origin).then().statusCode(200).extract().path("user_code");
        String cookie = TestUsers.login(TestUsers.create("deployment:read")).cookie("df_session");
        Response page = given().cookie("df_session", cookie).queryParam("user_code", userCode).get("/device");
        assertEquals(200, page.statusCode());
        String html = page.asString();
        assertTrue(html.contains(client), "the client: " + html);
        assertTrue(html.contains(origin), "the origin address: " + html);
        DateTimeFormatter minute = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);
        assertTrue(html.contains(minute.format(before)) || html.contains(minute.format(Instant.now())),
                "the time of the request: " + html);
        assertTrue(html.contains("Only approve if you started this on your own device"), html);
    }
}
