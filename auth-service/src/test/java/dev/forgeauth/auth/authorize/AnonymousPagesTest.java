package dev.forgeauth.auth.authorize;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.auth.support.Browser;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.keys.KeyScanArgs;
import io.restassured.response.Response;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Anonymous page loads store nothing (issue 21, finding 4): the pending request of a sign-in form is
 * sealed into the form (AES-GCM under a KEK-derived key) until the form is submitted.
 */
@QuarkusTest
class AnonymousPagesTest {

    @Inject
    RedisDataSource redis;

    long pendingKeys() {
        long n = 0;
        var it = redis.key().scan(new KeyScanArgs().match("forge:authz:*").count(1000));
        while (it.hasNext()) {
            n += it.next().size();
        }
        return n;
    }

    @Test
    void anonymousPageLoadsCreateNoPendingEntries() {
        String client = TestClients.client().publicClient().register().id();
        String state = "s".repeat(1024);
        long before = pendingKeys();
        for (int i = 0; i < 30; i++) {
            assertEquals(200, given().get("/device").statusCode());
            assertEquals(200, given().get("/account").statusCode());
            assertEquals(200, given().queryParam("user_code", "BCDF-GHJK").get("/device").statusCode());
            Map<String, String> q = Map.of("response_type", "code", "client_id", client,
                    "redirect_uri", "http://127.0.0.1:9999/callback", "state", state,
                    "code_challenge", Browser.challenge(Browser.verifier()), "code_challenge_method", "S256");
            assertEquals(200, Browser.authorize(q, null).statusCode());
            var none = new java.util.HashMap<>(q);
            none.put("prompt", "none");
            Response r = Browser.authorize(none, null);
            assertEquals(302, r.statusCode());
            assertEquals("login_required", Browser.query(r).get("error"));
        }
        assertTrue(pendingKeys() <= before, "pending entries before " + before + ", after " + pendingKeys());
    }

    @Test
    void theSealedFormSignsInAndAForgedOneIsRefused() {
        var u = TestUsers.create();
        String html = given().get("/account").asString();
        String req = Browser.field(html, "req");
        assertTrue(req.startsWith("s."), req);
        String csrf = Browser.field(html, "csrf");
        // one character changed: the box does not open
        String forged = req.substring(0, req.length() - 2) + (req.charAt(req.length() - 2) == 'A' ? 'B' : 'A')
                + req.charAt(req.length() - 1);
        Response refused = Browser.post("/login", null, Map.of("req", forged, "csrf", csrf, "email", u.email(),
                "password", TestUsers.PASSWORD));
        assertEquals(400, refused.statusCode());
        assertTrue(refused.header("Set-Cookie") == null || !refused.header("Set-Cookie").contains("df_session="));
        Response ok = Browser.post("/login", null, Map.of("req", req, "csrf", csrf, "email", u.email(),
                "password", TestUsers.PASSWORD));
        assertEquals(303, ok.statusCode(), ok.asString());
        assertEquals("http://localhost:8080/account", ok.header("Location"));
    }
}
