package dev.forgeauth.auth.authorize;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.auth.mfa.Totp;
import dev.forgeauth.auth.support.Browser;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.codec.binary.Base32;
import org.junit.jupiter.api.Test;

/** The account page: credentials shown once, sessions, two-factor, all through CSRF-protected forms. */
@QuarkusTest
class AccountPageTest {

    static String page(String cookie) {
        Response r = given().cookie("df_session", cookie).get("/account");
        assertEquals(200, r.statusCode());
        return r.asString();
    }

    @Test
    void anonymousVisitorsGetTheSignInForm() {
        String html = given().redirects().follow(false).get("/account").asString();
        assertTrue(html.contains("name=\"password\""));
        assertTrue(html.contains("name=\"csrf\""));
    }

    @Test
    void createAPatSeeItOnceThenDeleteIt() {
        var u = TestUsers.create("deployment:read", "deployment:write");
        String cookie = TestUsers.login(u).cookie("df_session");
        String html = page(cookie);
        assertTrue(html.contains(u.email()));
        String csrf = Browser.field(html, "csrf");
        Response created = given().cookie("df_session", cookie).contentType("application/x-www-form-urlencoded")
                .formParam("csrf", csrf).formParam("kind", "pat").formParam("name", "laptop")
                .formParam("scopes", "deployment:read").formParam("days", "30").post("/account/tokens");
        assertEquals(201, created.statusCode(), created.asString());
        Matcher m = Pattern.compile("dfpat_[0-9A-Za-z]{38}").matcher(created.asString());
        assertTrue(m.find(), "the new token is shown");
        String token = m.group();
        String again = page(cookie);
        assertTrue(again.contains("laptop"));
        assertFalse(again.contains(token), "and never again");
        Matcher id = Pattern.compile("name=\"kind\" value=\"pat\"><input type=\"hidden\" name=\"id\" value=\"([0-9a-f-]{36})\"")
                .matcher(again);
        assertTrue(id.find());
        Response deleted = Browser.post("/account/tokens/delete", cookie,
                Map.of("csrf", csrf, "kind", "pat", "id", id.group(1)));
        assertEquals(200, deleted.statusCode());
        assertFalse(page(cookie).contains("laptop"));
    }

    @Test
    void reloadingTheCreateFormDoesNotCreateASecondToken() {
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        String html = page(cookie);
        Map<String, String> form = Map.of("csrf", Browser.field(html, "csrf"), "form", Browser.field(html, "form"),
                "kind", "pat", "name", "once");
        assertEquals(201, Browser.post("/account/tokens", cookie, form).statusCode());
        Response again = Browser.post("/account/tokens", cookie, form);
        assertEquals(200, again.statusCode());
        assertFalse(again.asString().contains("dfpat_"));
        assertEquals(1, given().cookie("df_session", cookie).get("/auth/tokens").jsonPath().getList("$").size());
    }

    @Test
    void forgedFormsAreRefused() {
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        Response r = Browser.post("/account/tokens", cookie, Map.of("csrf", "forged", "kind", "pat", "name", "x"));
        assertEquals(400, r.statusCode());
        assertFalse(page(cookie).contains(">x<"));
        // a too-long PAT lifetime is a clear message, not an error page
        String csrf = Browser.field(page(cookie), "csrf");
        Response longLived = Browser.post("/account/tokens", cookie,
                Map.of("csrf", csrf, "kind", "pat", "name", "y", "days", "91"));
        assertEquals(400, longLived.statusCode());
        assertTrue(longLived.asString().contains("expires_in_days"));
    }

    @Test
    void twoStepVerificationFromThePage() {
        var u = TestUsers.create();
        String cookie = TestUsers.login(u).cookie("df_session");
        String csrf = Browser.field(page(cookie), "csrf");
        Response enrol = Browser.post("/account/mfa/enrol", cookie, Map.of("csrf", csrf));
        String html = enrol.asString();
        assertTrue(html.contains("data:image/png;base64,"));
        Matcher secret = Pattern.compile("id=\"new-secret\">([A-Z2-7]+)<").matcher(html);
        assertTrue(secret.find(), html);
        String code = Totp.code(new Base32().decode(secret.group(1)), Totp.step(System.currentTimeMillis() / 1000));
        Response on = Browser.post("/account/mfa/verify", cookie, Map.of("csrf", csrf, "code", code));
        assertEquals(200, on.statusCode(), on.asString());
        assertTrue(on.asString().contains("id=\"backup-codes\""));
        assertTrue(page(cookie).contains("/account/mfa/disable"));
    }
}
