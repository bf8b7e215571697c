package dev.forgeauth.auth.session;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.auth.mfa.Totp;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.commons.codec.binary.Base32;
import org.junit.jupiter.api.Test;

/** TOTP two-factor: enrolment, activation with backup codes, login, replay and single use, removal. */
@QuarkusTest
class TotpLoginTest {

    static String now(byte[] secret) {
        return Totp.code(secret, Totp.step(System.currentTimeMillis() / 1000));
    }

    static String at(byte[] secret, int stepsFromNow) {
        return Totp.code(secret, Totp.step(System.currentTimeMillis() / 1000) + stepsFromNow);
    }

    record Enrolled(TestUsers.Created user, byte[] secret, List<String> backupCodes) {
    }

    static Enrolled enrol() {
        var u = TestUsers.create();
        String token = TestUsers.login(u).path("access_token");
        var e = given().auth().oauth2(token).post("/auth/mfa/totp").then().statusCode(200)
                .header("Cache-Control", "no-store").extract();
        String secretB32 = e.path("secret");
        String uri = e.path("otpauth_uri");
        assertTrue(uri.startsWith("otpauth://totp/") && uri.contains("secret=" + secretB32), uri);
        byte[] png = Base64.getDecoder().decode(e.<String>path("qr_png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals("PNG", new String(png, 1, 3));
        byte[] secret = new Base32().decode(secretB32);
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("code", "000000"))
                .post("/auth/mfa/totp/verify").then().statusCode(400).body("error", equalTo("invalid_code"));
        List<String> codes = given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("code", now(secret)))
                .post("/auth/mfa/totp/verify").then().statusCode(200).extract().path("backup_codes");
        assertEquals(10, codes.size());
        assertEquals(10, codes.stream().distinct().count());
        return new Enrolled(u, secret, codes);
    }

    static io.restassured.response.Response mfa(String mfaToken, String code) {
        return given().contentType(ContentType.JSON).body(Map.of("mfa_token", mfaToken, "code", code))
                .post("/auth/login/mfa");
    }

    @Test
    void loginNeedsTheSecondFactorAndACodeWorksOnce() {
        var e = enrol();
        var first = TestUsers.login(e.user());
        assertEquals(200, first.statusCode());
        assertEquals(true, first.path("mfa_required"));
        String mfaToken = first.path("mfa_token");
        assertEquals((Object) null, first.path("access_token"));
        // the code used at activation is spent; the next step (clock skew allowance) is fresh
        String code = at(e.secret(), 1);
        mfa(mfaToken, code).then().statusCode(200).body("token_type", equalTo("Bearer"))
                .header("Set-Cookie", org.hamcrest.Matchers.startsWith("df_session="));
        // the same code again, with a new challenge: a replay
        String mfaToken2 = TestUsers.login(e.user()).path("mfa_token");
        mfa(mfaToken2, code).then().statusCode(401).body("error", equalTo("invalid_code"));
        // the mfa_token is spent too
        mfa(mfaToken, at(e.secret(), 0)).then().statusCode(400).body("error", equalTo("invalid_grant"));
        // outside the ±1 step window
        mfa(mfaToken2, at(e.secret(), 3)).then().statusCode(401);
    }

    @Test
    void backupCodesWorkOnceEach() {
        var e = enrol();
        String code = e.backupCodes().get(0);
        mfa(TestUsers.login(e.user()).path("mfa_token"), code).then().statusCode(200);
        mfa(TestUsers.login(e.user()).path("mfa_token"), code).then().statusCode(401);
        // typed without the dash and in capitals still counts
        mfa(TestUsers.login(e.user()).path("mfa_token"), e.backupCodes().get(1).replace("-", "").toUpperCase())
                .then().statusCode(200);
    }

    @Test
    void disablingNeedsACurrentCode() {
        var e = enrol();
        String token = mfa(TestUsers.login(e.user()).path("mfa_token"), e.backupCodes().get(0)).path("access_token");
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("code", "123456"))
                .delete("/auth/mfa/totp").then().statusCode(400);
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("code", e.backupCodes().get(2)))
                .delete("/auth/mfa/totp").then().statusCode(204);
        // plain password login again
        assertEquals((Object) null, TestUsers.login(e.user()).path("mfa_required"));
    }

    @Test
    void badMfaInput() {
        mfa("dfm_nonsense", "123456").then().statusCode(400).body("error", equalTo("invalid_grant"));
        given().contentType(ContentType.JSON).body("{}").post("/auth/login/mfa").then().statusCode(400);
        given().post("/auth/mfa/totp").then().statusCode(401);
    }
}
